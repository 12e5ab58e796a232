import type { RecommendArgs, RecommendedItem, RecommendMode, RecommendResult } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { HybridCf } from '../config/schema.ts';
import type { Csr } from '../data/types.ts';
import { TopK } from '../eval/topk.ts';
import { explainAls, type AlsModel } from './als/als.ts';
import { createBlendScorer } from './blend.ts';
import { createEaseScorer, explainEase, type EaseModel } from './ease/ease.ts';
import { createItemKnnScorer, explainItemKnn, type ItemKnnModel } from './itemknn/itemknn.ts';
import type { Scorer } from './scorer.ts';
import { createSemanticScorer, type SemanticIndex } from './semantic.ts';
import type { HybridBlend } from './stages.ts';

export interface ContentVectors {
  vectors: Float32Array;
  present: Uint8Array;
  dimensions: number;
}

/** What a user has seen: their events in the whole dataset (not only the training part), item indices ascending. */
export interface UserHistory {
  items: Int32Array;
  /** the event's time, aligned with items */
  ts: Float64Array;
}

/** A finished run loaded for serving: id mappings, titles and its models; each user's history is read when asked for. */
export interface ServingRun {
  runId: string;
  userIds: string[];
  itemIds: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** the history of a user of the run, read from the dataset for this request */
  historyOf(user: number): Promise<UserHistory>;
  titles: Map<string, string>;
  /** item id → catalogue category, for items that have one */
  categories: Map<string, string>;
  /** the stages the run trained */
  trained: ReadonlySet<string>;
  /** trained stages whose artifacts could not be loaded (deleted, damaged): why, naming the file */
  unavailable: ReadonlyMap<string, EngineError>;
  /** models that score any user by index (ItemKNN and EASE score from one user's history: see historyScorer) */
  scorers: Partial<Record<'popularity' | 'bayes-popularity' | 'als', Scorer>>;
  /** neighbour and weight models: they score a history, and explain */
  itemknn: ItemKnnModel | null;
  ease: EaseModel | null;
  /** the run's semantic index (search, similar by content), when it has one */
  semantic: SemanticIndex | null;
  /** item vectors of the semantic index in the run's item order */
  content: ContentVectors | null;
  /** the hybrid blend's CF model and weight, when the run has a hybrid stage */
  hybrid: HybridBlend | null;
  als: AlsModel | null;
  alsRegularization: number;
  /** ALS confidence c = 1 + f(value) of history values, as the model was trained */
  alsConfidence: (values: Float32Array) => Float32Array;
  minHistory: number;
  /** closes what serving holds open (the history reader, the semantic index and its query encoder) */
  release(): Promise<void>;
}

const EXPLAIN_ITEMS = 3;

/** The baseline is the run's Bayesian popularity when it trained one, else plain popularity. */
function baselineStage(run: ServingRun): 'bayes-popularity' | 'popularity' {
  return run.trained.has('bayes-popularity') ? 'bayes-popularity' : 'popularity';
}

function baselineScorer(run: ServingRun): Scorer {
  const s = run.scorers[baselineStage(run)];
  if (!s) throw new EngineError('invalid-input', `run ${run.runId} has no popularity model`);
  return s;
}

type AnsweringMode = Exclude<RecommendMode, 'auto'>;

/** The stages whose models answer in a mode. */
function stagesOf(run: ServingRun, used: AnsweringMode): readonly string[] {
  switch (used) {
    case 'baseline':
      return [baselineStage(run)];
    case 'cf':
      return ['als'];
    case 'hybrid':
      return ['hybrid', ...(run.hybrid ? [run.hybrid.cf] : []), 'semantic'];
    default:
      return [used];
  }
}

/** Throws the reason when a model the answer needs lost its artifacts: a missing model never silently becomes another. */
function checkAvailable(run: ServingRun, used: AnsweringMode, asked: RecommendMode): void {
  for (const stage of stagesOf(run, used)) {
    const why = run.unavailable.get(stage);
    if (!why) continue;
    const other = asked === 'auto' ? `auto mode picked ${used} for this user; ` : '';
    throw new EngineError(why.kind, `${why.message}; ${other}no other model answers in its place`, {
      ...why.details,
      field: 'mode',
      hint: 'retrain the run (or restore its folder), or ask for another mode explicitly with --mode',
    });
  }
}

/**
 * Which model answers. A user nobody has seen gets the baseline. auto: users with enough
 * history get hybrid (or CF), users with a little history get content (their few items still say
 * what they like), everyone else the baseline.
 */
function chooseMode(run: ServingRun, mode: RecommendMode, historyLength: number): AnsweringMode {
  const need = (ok: boolean, stage: string): void => {
    if (!ok)
      throw new EngineError('invalid-input', `run ${run.runId} has no ${stage} stage: train with --stages ${stage} or use another mode`, { field: 'mode' });
  };
  const has = (stage: string): boolean => run.trained.has(stage);
  if (mode === 'cf') need(has('als'), 'als');
  if (mode === 'semantic') need(has('semantic'), 'semantic');
  if (mode === 'hybrid') need(has('hybrid'), 'hybrid');
  if (mode === 'itemknn') need(has('itemknn'), 'itemknn');
  if (mode === 'ease') need(has('ease'), 'ease');
  if (mode === 'baseline' || historyLength === 0) return 'baseline';
  if (mode !== 'auto') return mode;
  if (historyLength >= run.minHistory && has('hybrid')) return 'hybrid';
  if (historyLength >= run.minHistory && has('als')) return 'cf';
  if (historyLength >= run.minHistory && has('ease')) return 'ease';
  if (historyLength >= run.minHistory && has('itemknn')) return 'itemknn';
  return has('semantic') ? 'semantic' : 'baseline';
}

/** Per served catalogue: one profile slot and a kernel scorer over it, so item vectors are packed once, not per request. */
const profileScorers = new WeakMap<ContentVectors, { profile: Float32Array; scorer: Scorer }>();

/** Content scores of one user, whatever index is asked for: their profile is the mean of their history's item vectors. */
function contentScorerFor(run: ServingRun, history: Int32Array, values: Float32Array): Scorer {
  const content = run.content!;
  const { vectors, present, dimensions: d } = content;
  const profile = new Float32Array(d);
  history.forEach((i, h) => {
    for (let k = 0; k < d; k++) profile[k]! += values[h]! * vectors[i * d + k]!;
  });
  const norm = Math.hypot(...profile) || 1;
  for (let k = 0; k < d; k++) profile[k]! /= norm;
  let shared = profileScorers.get(content);
  if (!shared) {
    const slot = new Float32Array(d);
    shared = { profile: slot, scorer: createSemanticScorer(slot, vectors, present, d) };
    profileScorers.set(content, shared);
  }
  const { scorer, profile: slot } = shared;
  const only = Int32Array.of(0);
  return {
    nItems: scorer.nItems,
    scoreUsers(users, out) {
      // synchronous from filling the slot to reading the scores: no other request can interleave
      slot.set(profile);
      for (let b = 0; b < users.length; b++) scorer.scoreUsers(only, out.subarray(b * scorer.nItems, (b + 1) * scorer.nItems));
    },
  };
}

/**
 * A CF model's scorer for this user and the row to ask it for: ALS scores users by index; ItemKNN
 * and EASE score a history, here the user's own as row 0 (their scores sum rows over the user's
 * whole history, as ALS users' factors were fitted on theirs).
 */
function cfScorer(run: ServingRun, cf: HybridCf, user: number, history: Int32Array, values: Float32Array): { scorer: Scorer; row: number } {
  if (cf === 'als') return { scorer: run.scorers.als!, row: user };
  const one: Csr = { nRows: 1, nCols: run.itemIds.length, indptr: Int32Array.of(0, history.length), indices: history, data: values };
  return { scorer: cf === 'itemknn' ? createItemKnnScorer(run.itemknn!, one) : createEaseScorer(run.ease!, one), row: 0 };
}

function scorerFor(run: ServingRun, used: AnsweringMode, user: number, history: Int32Array, values: Float32Array): { scorer: Scorer; row: number } {
  switch (used) {
    case 'baseline':
      return { scorer: baselineScorer(run), row: user };
    case 'cf':
      return cfScorer(run, 'als', user, history, values);
    case 'itemknn':
    case 'ease':
      return cfScorer(run, used, user, history, values);
    case 'semantic':
      return { scorer: contentScorerFor(run, history, values), row: 0 };
    case 'hybrid': {
      // the content scorer answers any row with this user's profile
      const cf = cfScorer(run, run.hybrid!.cf, user, history, values);
      return { scorer: createBlendScorer(cf.scorer, contentScorerFor(run, history, values), run.hybrid!.weight), row: cf.row };
    }
  }
}

/** The CF model whose explanation ("because you liked …") goes with an answer: hybrid's is that of the CF it blends. */
function explainingModel(run: ServingRun, used: AnsweringMode): HybridCf | null {
  if (used === 'cf') return 'als';
  if (used === 'itemknn' || used === 'ease') return used;
  if (used === 'hybrid') return run.hybrid!.cf;
  return null;
}

export async function recommendFor(run: ServingRun, args: RecommendArgs): Promise<RecommendResult> {
  const k = args.k ?? 10;
  if (!Number.isInteger(k) || k <= 0) throw new EngineError('invalid-input', `k must be a positive integer, got ${k}`, { field: 'k' });
  const mode = args.mode ?? 'auto';
  const userIdx = run.userIndex.get(args.user);
  const seen = userIdx === undefined ? { items: new Int32Array(0), ts: new Float64Array(0) } : await run.historyOf(userIdx);
  const historyItems = seen.items;
  // every event counts once: the history's values, as serving has always weighed them
  const historyValues = new Float32Array(historyItems.length).fill(1);
  const used = chooseMode(run, mode, historyItems.length);
  checkAvailable(run, used, mode);
  const { scorer, row } = scorerFor(run, used, userIdx ?? 0, historyItems, historyValues);

  const scores = new Float32Array(run.itemIds.length);
  scorer.scoreUsers(Int32Array.of(row), scores);
  for (const i of historyItems) scores[i] = -Infinity;
  for (const id of args.exclude ?? []) {
    const i = run.itemIndex.get(id);
    if (i !== undefined) scores[i] = -Infinity;
  }
  const top = new Int32Array(Math.min(k, scores.length));
  const n = new TopK(top.length).select(scores, 0, scores.length, top);

  const explainedBy = explainingModel(run, used);
  const confidences = explainedBy === 'als' ? run.alsConfidence(historyValues) : null;
  const items: RecommendedItem[] = [];
  for (let r = 0; r < n; r++) {
    const i = top[r]!;
    if (scores[i] === -Infinity) break;
    const item = run.itemIds[i]!;
    const rec: RecommendedItem = { item, score: scores[i]!, ...itemLabels(run, item) };
    const because =
      explainedBy === 'als' && run.als && confidences
        ? explainAls(run.als, historyItems, confidences, i, EXPLAIN_ITEMS, { regularization: run.alsRegularization })
        : explainedBy === 'itemknn' && run.itemknn
          ? explainItemKnn(run.itemknn, historyItems, i, EXPLAIN_ITEMS)
          : explainedBy === 'ease' && run.ease
            ? explainEase(run.ease, historyItems, i, EXPLAIN_ITEMS)
            : null;
    if (because) rec.because = because.map((c) => ({ item: run.itemIds[c.item]!, weight: c.weight, ...itemLabels(run, run.itemIds[c.item]!) }));
    items.push(rec);
  }
  const history = Array.from(historyItems, (i, j) => {
    const item = run.itemIds[i]!;
    return { item, ts: seen.ts[j]!, ...itemLabels(run, item) };
  }).sort((a, b) => b.ts - a.ts);
  return { user: args.user, mode, usedMode: used, known: userIdx !== undefined, history, items };
}

/** An item's catalogue title and category, each when known. */
export function itemLabels(run: ServingRun, item: string): { title?: string; category?: string } {
  const title = run.titles.get(item);
  const category = run.categories.get(item);
  return { ...(title === undefined ? {} : { title }), ...(category === undefined ? {} : { category }) };
}
