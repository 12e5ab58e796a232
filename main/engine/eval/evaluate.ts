import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { ModelMetrics } from '../../common/contracts/runs.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { Scorer } from '../recsys/scorer.ts';
import { DEFAULT_KS, itemSelfInformation, meanInterval, normalizeKs, userMetricNames } from './metrics.ts';
import { RankThread } from './rank-thread.ts';
import { BatchRanker, type RankerInput } from './ranker.ts';
import { activitySegments, SEGMENTS, type Segment } from './segments.ts';
import type { Split } from './split.ts';

/**
 * Full-ranking evaluation: every test user is scored against the whole catalogue (no sampled
 * negatives), their training items are masked out, and the top max(ks) items are compared with
 * their test items. Metric definitions are in metrics.ts, segments in segments.ts.
 *
 * `evaluate` scores and ranks on the calling thread. `evaluateInParallel` gives ranking its own
 * worker thread and overlaps it with scoring (double-buffered batches in shared memory), so on two
 * cores the wall time is about max(scoring, ranking) instead of their sum. Both give identical results.
 */

export interface EvaluateOptions {
  /** cut-offs, default 5, 10, 20, 50, 100 */
  ks?: readonly number[];
  /** mask each user's training items (default true); the mask comes from split.trainCsr only */
  seenFilter?: boolean;
  /** users scored per scorer call (default 256: 256 × nItems floats of scratch, twice when parallel) */
  batchSize?: number;
  /** progress stage name (default "evaluate") */
  stage?: string;
}

/** Per-user rows, aligned: row t is user users[t]. */
export interface PerUserResults {
  users: Int32Array;
  nTest: Int32Array;
  /** distinct training items */
  nTrain: Int32Array;
  /** index into SEGMENTS */
  segment: Uint8Array;
  /** row-major users × metricNames.length */
  values: Float64Array;
  /** row-major users × max K: each user's ranked items (item indices) best first, −1 after the last */
  topItems: Int32Array;
}

export interface ModelEvaluation {
  ks: number[];
  /** per-user metric columns, e.g. "recall@10" */
  metricNames: string[];
  perUser: PerUserResults;
  /** mean of every per-user metric, plus catalogue coverage@K */
  metrics: ModelMetrics;
  /** 95% interval of every per-user metric (coverage has none: it is one catalogue-level number) */
  intervals: Record<string, [number, number]>;
  /** per-user metric means by activity segment; a segment without users is left out */
  segments: Partial<Record<Segment, ModelMetrics>>;
  segmentThresholds: { light: number; medium: number };
  users: { evaluated: number; skipped: number };
  /** time inside scorer.scoreUsers and time masking, selecting top-K and computing metrics (overlapping when parallel) */
  seconds: { scoring: number; ranking: number };
}

interface Plan {
  input: RankerInput;
  batchCap: number;
  stage: string;
}

function plan(scorer: Scorer, split: Split, options: EvaluateOptions, shared: boolean): Plan {
  const ks = normalizeKs(options.ks ?? DEFAULT_KS);
  const batchSize = options.batchSize ?? 256;
  const nItems = split.nItems;
  if (scorer.nItems !== nItems) {
    throw new EngineError('invalid-input', `the model scores ${scorer.nItems} items but the dataset has ${nItems}: retrain the model on this dataset`, {
      field: 'model',
    });
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new EngineError('invalid-input', `eval.batchSize must be a positive integer, got ${batchSize}`, { field: 'eval.batchSize' });
  }
  const nUsers = split.test.users.length;
  if (nUsers === 0) {
    throw new EngineError(
      'invalid-input',
      `no user has a test item to evaluate (${split.skippedUsers} users have too little history, ${split.repeatOnlyUsers} only repeat training items): use more data, a lower split.minUserEvents or an earlier split.cutoff`,
      {
        field: 'split',
      },
    );
  }
  const nValues = nUsers * userMetricNames(ks, split.test.ratings !== null).length;
  const values = shared ? new Float64Array(new SharedArrayBuffer(nValues * 8)) : new Float64Array(nValues);
  const maxK = ks[ks.length - 1]!;
  const bestRank = shared ? new Int32Array(new SharedArrayBuffer(nItems * 4)) : new Int32Array(nItems);
  bestRank.fill(maxK);
  const topItems = shared ? new Int32Array(new SharedArrayBuffer(nUsers * maxK * 4)) : new Int32Array(nUsers * maxK);
  return {
    input: {
      nItems,
      ks,
      seenFilter: options.seenFilter ?? true,
      testUsers: split.test.users,
      testIndptr: split.test.indptr,
      testItems: split.test.items,
      testRatings: split.test.ratings,
      trainIndptr: split.trainCsr.indptr,
      trainIndices: split.trainCsr.indices,
      selfInfo: itemSelfInformation(split.trainCsr),
      values,
      bestRank,
      topItems,
    },
    batchCap: Math.min(batchSize, nUsers),
    stage: options.stage ?? 'evaluate',
  };
}

export function evaluate(scorer: Scorer, split: Split, options: EvaluateOptions, ctx: TaskContext): ModelEvaluation {
  const { input, batchCap, stage } = plan(scorer, split, options, false);
  const { nItems, testUsers } = input;
  const ranker = new BatchRanker(input);
  const scores = new Float32Array(batchCap * nItems);
  let scoringMs = 0;
  let rankingMs = 0;
  for (let start = 0; start < testUsers.length; start += batchCap) {
    throwIfCancelled(ctx.signal);
    const end = Math.min(start + batchCap, testUsers.length);
    const t0 = performance.now();
    scorer.scoreUsers(testUsers.subarray(start, end), scores.subarray(0, (end - start) * nItems));
    const t1 = performance.now();
    ranker.rankRows(scores, start, end);
    scoringMs += t1 - t0;
    rankingMs += performance.now() - t1;
    ctx.progress({ stage, current: end, total: testUsers.length, unit: 'users' });
  }
  return summarize(input, split, { scoring: scoringMs / 1000, ranking: rankingMs / 1000 });
}

export async function evaluateInParallel(scorer: Scorer, split: Split, options: EvaluateOptions, ctx: TaskContext): Promise<ModelEvaluation> {
  const { input, batchCap, stage } = plan(scorer, split, options, true);
  const { nItems, testUsers } = input;
  const nUsers = testUsers.length;
  const slots = [0, 1].map(() => new Float32Array(new SharedArrayBuffer(batchCap * nItems * 4)));
  // batches being ranked, oldest first; batch b uses slot b % 2, so at most two are in flight
  const inFlight: { done: Promise<number>; end: number }[] = [];
  let scoringMs = 0;
  let rankingMs = 0;
  const thread = await RankThread.start(input, slots);
  const finishOldest = async () => {
    const batch = inFlight.shift()!;
    rankingMs += await batch.done;
    ctx.progress({ stage, current: batch.end, total: nUsers, unit: 'users' });
  };
  try {
    for (let start = 0, slot = 0; start < nUsers; start += batchCap, slot ^= 1) {
      throwIfCancelled(ctx.signal);
      if (inFlight.length === 2) await finishOldest();
      const end = Math.min(start + batchCap, nUsers);
      const t0 = performance.now();
      scorer.scoreUsers(testUsers.subarray(start, end), slots[slot]!.subarray(0, (end - start) * nItems));
      scoringMs += performance.now() - t0;
      const done = thread.rank(slot, start, end);
      // awaited in order by finishOldest(); until then a failure must not count as unhandled
      done.catch(() => {});
      inFlight.push({ done, end });
    }
    while (inFlight.length > 0) await finishOldest();
  } finally {
    await thread.close();
  }
  return summarize(input, split, { scoring: scoringMs / 1000, ranking: rankingMs / 1000 });
}

function summarize(input: RankerInput, split: Split, seconds: ModelEvaluation['seconds']): ModelEvaluation {
  const { ks, nItems, bestRank, testIndptr } = input;
  const nUsers = input.testUsers.length;
  const metricNames = userMetricNames(ks, input.testRatings !== null);
  const stride = metricNames.length;
  // a private copy: the shared buffer of a parallel run is not kept alive by the result
  const values = Float64Array.from(input.values);
  const nTest = new Int32Array(nUsers);
  for (let t = 0; t < nUsers; t++) nTest[t] = testIndptr[t + 1]! - testIndptr[t]!;

  const seg = activitySegments(split);
  const allRows = Int32Array.from({ length: nUsers }, (_, t) => t);
  const metrics: ModelMetrics = {};
  const intervals: Record<string, [number, number]> = {};
  metricNames.forEach((name, c) => {
    const m = meanInterval(values, stride, c, allRows);
    metrics[name] = m.mean;
    intervals[name] = [m.low, m.high];
  });
  for (const k of ks) {
    let covered = 0;
    for (let i = 0; i < nItems; i++) if (bestRank[i]! < k) covered++;
    metrics[`coverage@${k}`] = nItems === 0 ? 0 : covered / nItems;
  }
  const segments: Partial<Record<Segment, ModelMetrics>> = {};
  SEGMENTS.forEach((name, s) => {
    const rows = allRows.filter((t) => seg.segment[t] === s);
    if (rows.length === 0) return;
    const segMetrics: ModelMetrics = {};
    metricNames.forEach((metric, c) => (segMetrics[metric] = meanInterval(values, stride, c, rows).mean));
    segments[name] = segMetrics;
  });

  return {
    ks,
    metricNames,
    perUser: { users: input.testUsers.slice(), nTest, nTrain: seg.nTrain, segment: seg.segment, values, topItems: Int32Array.from(input.topItems) },
    metrics,
    intervals,
    segments,
    segmentThresholds: seg.thresholds,
    users: { evaluated: nUsers, skipped: split.skippedUsers },
    seconds,
  };
}
