import type { RecommendArgs, RecommendedItem, RecommendMode, RecommendResult } from '../contracts/api.ts';
import { EngineError } from '../contracts/errors.ts';
import type { Csr } from '../data/types.ts';
import { TopK } from '../eval/topk.ts';
import { explainAls, type AlsModel } from './als.ts';
import type { Scorer } from './scorer.ts';

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
  scorers: Partial<Record<'popularity' | 'bayes-popularity' | 'als', Scorer>>;
  als: AlsModel | null;
  alsRegularization: number;
  /** ALS confidence c = 1 + f(value) of history values, as the model was trained */
  alsConfidence: (values: Float32Array) => Float32Array;
  minHistory: number;
}

const EXPLAIN_ITEMS = 3;

function baselineScorer(run: ServingRun): Scorer {
  const s = run.scorers['bayes-popularity'] ?? run.scorers.popularity;
  if (!s) throw new EngineError('invalid-input', `run ${run.runId} has no popularity model`);
  return s;
}

/** Which model answers: auto uses CF for users with enough history, the baseline otherwise. */
function chooseMode(run: ServingRun, mode: RecommendMode, userIdx: number | undefined, historyLength: number): 'baseline' | 'cf' {
  if (mode === 'baseline') return 'baseline';
  if (mode === 'cf') {
    if (!run.scorers.als) throw new EngineError('invalid-input', `run ${run.runId} has no als stage: train with --stages als or use --mode baseline`);
    return userIdx === undefined ? 'baseline' : 'cf';
  }
  if (mode === 'auto') return run.scorers.als && userIdx !== undefined && historyLength >= run.minHistory ? 'cf' : 'baseline';
  throw new EngineError('invalid-input', `mode ${mode} needs the semantic stage, which this run does not have`);
}

export function recommendFor(run: ServingRun, args: RecommendArgs): RecommendResult {
  const k = args.k ?? 10;
  if (!Number.isInteger(k) || k <= 0) throw new EngineError('invalid-input', `k must be a positive integer, got ${k}`, { field: 'k' });
  const mode = args.mode ?? 'auto';
  const userIdx = run.userIndex.get(args.user);
  const start = userIdx === undefined ? 0 : run.history.indptr[userIdx]!;
  const end = userIdx === undefined ? 0 : run.history.indptr[userIdx + 1]!;
  const used = chooseMode(run, mode, userIdx, end - start);
  const scorer = used === 'cf' ? run.scorers.als! : baselineScorer(run);

  const scores = new Float32Array(run.itemIds.length);
  scorer.scoreUsers(Int32Array.of(userIdx ?? 0), scores);
  for (let p = start; p < end; p++) scores[run.history.indices[p]!] = -Infinity;
  for (const id of args.exclude ?? []) {
    const i = run.itemIndex.get(id);
    if (i !== undefined) scores[i] = -Infinity;
  }
  const top = new Int32Array(Math.min(k, scores.length));
  const n = new TopK(top.length).select(scores, 0, scores.length, top);

  const historyItems = run.history.indices.slice(start, end);
  const confidences = used === 'cf' ? run.alsConfidence(run.history.data.slice(start, end)) : null;
  const items: RecommendedItem[] = [];
  for (let r = 0; r < n; r++) {
    const i = top[r]!;
    if (scores[i] === -Infinity) break;
    const item = run.itemIds[i]!;
    const rec: RecommendedItem = { item, score: scores[i]!, ...titled(run, item) };
    if (used === 'cf' && run.als && confidences) {
      rec.because = explainAls(run.als, historyItems, confidences, i, EXPLAIN_ITEMS, { regularization: run.alsRegularization }).map((c) => ({
        item: run.itemIds[c.item]!,
        weight: c.weight,
        ...titled(run, run.itemIds[c.item]!),
      }));
    }
    items.push(rec);
  }
  const history = Array.from({ length: end - start }, (_, j) => {
    const item = run.itemIds[historyItems[j]!]!;
    return { item, ts: run.historyTs[start + j]!, ...titled(run, item) };
  }).sort((a, b) => b.ts - a.ts);
  return { user: args.user, mode, usedMode: used, known: userIdx !== undefined, history, items };
}

function titled(run: ServingRun, item: string): { title?: string } {
  const title = run.titles.get(item);
  return title === undefined ? {} : { title };
}
