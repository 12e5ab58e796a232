import type { RecommendArgs, RecommendedItem, RecommendMode, RecommendResult } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { HybridCf } from '../config/schema.ts';
import type { Csr } from '../data/types.ts';
import { TopK } from '../eval/topk.ts';
import { explainAls, type AlsModel } from './als/als.ts';
import { createBlendScorer } from './blend.ts';
import { explainEase, type EaseModel } from './ease/ease.ts';
import { explainItemKnn, type ItemKnnModel } from './itemknn/itemknn.ts';
import type { Scorer } from './scorer.ts';
import { createSemanticScorer, type SemanticIndex } from './semantic.ts';
import type { HybridBlend } from './stages.ts';

export interface ContentVectors {
  vectors: Float32Array;
  present: Uint8Array;
  dimensions: number;
}

/** A finished run loaded for serving: id mappings, full histories, titles and its models. */
export interface ServingRun {
  runId: string;
  userIds: string[];
  itemIds: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** users × items from the whole dataset (not only the training part): what a user has seen */
  history: Csr;
  /** event time per history entry, aligned with history.indices */
  historyTs: Float64Array;
  titles: Map<string, string>;
  /** item id → catalogue category, for items that have one */
  categories: Map<string, string>;
  /** the stages the run trained */
  trained: ReadonlySet<string>;
  /** trained stages whose artifacts could not be loaded (deleted, damaged): why, naming the file */
  unavailable: ReadonlyMap<string, EngineError>;
  scorers: Partial<Record<'popularity' | 'bayes-popularity' | 'als' | 'itemknn' | 'ease', Scorer>>;
  /** neighbour and weight models, for explanations */
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

function scorerFor(run: ServingRun, used: AnsweringMode, history: Int32Array, values: Float32Array): Scorer {
  switch (used) {
    case 'baseline':
      return baselineScorer(run);
    case 'cf':
      return run.scorers.als!;
    case 'itemknn':
      return run.scorers.itemknn!;
    case 'ease':
      return run.scorers.ease!;
    case 'semantic':
      return contentScorerFor(run, history, values);
    case 'hybrid':
      return createBlendScorer(run.scorers[run.hybrid!.cf]!, contentScorerFor(run, history, values), run.hybrid!.weight);
  }
}

/** The CF model whose explanation ("because you liked …") goes with an answer: hybrid's is that of the CF it blends. */
function explainingModel(run: ServingRun, used: AnsweringMode): HybridCf | null {
  if (used === 'cf') return 'als';
  if (used === 'itemknn' || used === 'ease') return used;
  if (used === 'hybrid') return run.hybrid!.cf;
  return null;
}

export function recommendFor(run: ServingRun, args: RecommendArgs): RecommendResult {
  const k = args.k ?? 10;
  if (!Number.isInteger(k) || k <= 0) throw new EngineError('invalid-input', `k must be a positive integer, got ${k}`, { field: 'k' });
  const mode = args.mode ?? 'auto';
  const userIdx = run.userIndex.get(args.user);
  const start = userIdx === undefined ? 0 : run.history.indptr[userIdx]!;
  const end = userIdx === undefined ? 0 : run.history.indptr[userIdx + 1]!;
  const historyItems = run.history.indices.slice(start, end);
  const historyValues = run.history.data.slice(start, end);
  const used = chooseMode(run, mode, end - start);
  checkAvailable(run, used, mode);
  const scorer = scorerFor(run, used, historyItems, historyValues);

  const scores = new Float32Array(run.itemIds.length);
  scorer.scoreUsers(Int32Array.of(userIdx ?? 0), scores);
  for (let p = start; p < end; p++) scores[run.history.indices[p]!] = -Infinity;
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
  const history = Array.from({ length: end - start }, (_, j) => {
    const item = run.itemIds[historyItems[j]!]!;
    return { item, ts: run.historyTs[start + j]!, ...itemLabels(run, item) };
  }).sort((a, b) => b.ts - a.ts);
  return { user: args.user, mode, usedMode: used, known: userIdx !== undefined, history, items };
}

/** An item's catalogue title and category, each when known. */
export function itemLabels(run: ServingRun, item: string): { title?: string; category?: string } {
  const title = run.titles.get(item);
  const category = run.categories.get(item);
  return { ...(title === undefined ? {} : { title }), ...(category === undefined ? {} : { category }) };
}
