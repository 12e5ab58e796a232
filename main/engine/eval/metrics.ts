import { EngineError } from '../../common/contracts/errors.ts';
import type { Csr } from '../data/types.ts';

/**
 * Top-K ranking metrics (full ranking, binary relevance: an item is relevant when it is in the
 * user's test set T). For a user with ranked list L (best first, at most K items, rank r = 1..K)
 * and hit(r) = 1 when L[r] ∈ T:
 *
 *   recall@K    = Σ_{r≤K} hit(r) / |T|                       (standard recall, not / min(K,|T|))
 *   precision@K = Σ_{r≤K} hit(r) / K                          (K even when fewer than K items are ranked)
 *   hitrate@K   = 1 if any hit(r) for r ≤ K, else 0
 *   mrr@K       = 1 / (first r ≤ K with hit(r)), 0 when none
 *   ndcg@K      = DCG / IDCG, DCG = Σ_{r≤K} hit(r) / log2(r+1), IDCG = Σ_{r ≤ min(K,|T|)} 1 / log2(r+1)
 *   map@K       = Σ_{r≤K} hit(r)·precision@r / min(K, |T|)    (mean over users of AP@K)
 *   novelty@K   = mean over L[1..K] of self-information −log2 p(i), with
 *                 p(i) = (users with i in training + 1) / (users with training events + 1),
 *                 smoothed so that never-seen items have finite novelty; 0 when L is empty
 *
 *
 * With explicit ratings, graded NDCG uses the user's test rating of an item as its gain
 * (linear gain; negative ratings count as 0; the largest rating when an item was rated twice):
 *   ndcg_graded@K = Σ_{r≤K} g(L[r]) / log2(r+1)  /  Σ_{r ≤ min(K,|T|)} g*_r / log2(r+1),
 * g*_1 ≥ g*_2 ≥ … the test gains sorted; 0 when every test gain is 0.
 *
 * Each is computed per user; the reported value is the mean over evaluated users.
 * Catalogue-level: coverage@K = |∪_users L_u[1..K]| / nItems (one number, no per-user value).
 */

export const DEFAULT_KS: readonly number[] = [5, 10, 20, 50, 100];

/** Per-user metric families, in the column order of per-user values. */
export const USER_METRIC_FAMILIES = ['recall', 'ndcg', 'precision', 'map', 'mrr', 'hitrate', 'novelty'] as const;
export type UserMetricFamily = (typeof USER_METRIC_FAMILIES)[number];

/** Sorted, de-duplicated cut-offs; each a positive integer. */
export function normalizeKs(ks: readonly number[]): number[] {
  if (ks.length === 0) throw new EngineError('invalid-input', 'eval.ks is empty: give at least one cut-off, e.g. [10]', { field: 'eval.ks' });
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) {
      throw new EngineError('invalid-input', `eval.ks contains ${k}: every cut-off must be a positive integer`, { field: 'eval.ks', value: k });
    }
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** Per-user family added when the log has ratings. */
export const GRADED_FAMILY = 'ndcg_graded';

/**
 * Column names of per-user values: family-major, e.g. recall@5, recall@10, …, novelty@100, then
 * ndcg_graded@K when `graded`.
 */
export function userMetricNames(ks: readonly number[], graded = false): string[] {
  const families: string[] = graded ? [...USER_METRIC_FAMILIES, GRADED_FAMILY] : [...USER_METRIC_FAMILIES];
  return families.flatMap((family) => ks.map((k) => `${family}@${k}`));
}

/** 1 / log2(r + 1) for rank r = 1..n, at index r − 1. */
export function rankDiscounts(n: number): Float64Array {
  const d = new Float64Array(n);
  for (let r = 0; r < n; r++) d[r] = 1 / Math.log2(r + 2);
  return d;
}

/**
 * Writes one user's metric values at out[offset + f·ks.length + j] (family f, cut-off ks[j]).
 * hits[r] is 1 when the item at 0-based rank r is relevant, selfInfo[r] its self-information;
 * only the first nRanked entries are read. `discounts` = rankDiscounts(max K) or longer.
 */
export function computeUserMetrics(
  hits: Uint8Array,
  selfInfo: Float64Array,
  nRanked: number,
  nTest: number,
  ks: readonly number[],
  discounts: Float64Array,
  out: Float64Array,
  offset: number,
): void {
  const nK = ks.length;
  let nHits = 0;
  let dcg = 0;
  let idcg = 0;
  let precisionSum = 0;
  let firstHit = 0;
  let infoSum = 0;
  let r = 0;
  for (let j = 0; j < nK; j++) {
    const k = ks[j]!;
    for (; r < k; r++) {
      if (r < nTest) idcg += discounts[r]!;
      if (r >= nRanked) continue;
      infoSum += selfInfo[r]!;
      if (hits[r] === 0) continue;
      nHits++;
      dcg += discounts[r]!;
      precisionSum += nHits / (r + 1);
      if (firstHit === 0) firstHit = r + 1;
    }
    const shown = Math.min(k, nRanked);
    out[offset + j] = nHits / nTest;
    out[offset + nK + j] = dcg / idcg;
    out[offset + 2 * nK + j] = nHits / k;
    out[offset + 3 * nK + j] = precisionSum / Math.min(k, nTest);
    out[offset + 4 * nK + j] = firstHit === 0 ? 0 : 1 / firstHit;
    out[offset + 5 * nK + j] = nHits > 0 ? 1 : 0;
    out[offset + 6 * nK + j] = shown === 0 ? 0 : infoSum / shown;
  }
}

/**
 * Writes one user's graded NDCG at out[offset + j] for cut-off ks[j]. rankGains[r] is the gain of
 * the item at 0-based rank r (0 when it is not a test item), idealGains the user's test gains sorted
 * descending; both already clamped at 0.
 */
export function computeGradedNdcg(
  rankGains: Float64Array,
  nRanked: number,
  idealGains: Float64Array,
  nTest: number,
  ks: readonly number[],
  discounts: Float64Array,
  out: Float64Array,
  offset: number,
): void {
  let dcg = 0;
  let idcg = 0;
  let r = 0;
  for (let j = 0; j < ks.length; j++) {
    for (; r < ks[j]!; r++) {
      if (r < nTest) idcg += idealGains[r]! * discounts[r]!;
      if (r < nRanked) dcg += rankGains[r]! * discounts[r]!;
    }
    out[offset + j] = idcg > 0 ? dcg / idcg : 0;
  }
}

/** Self-information −log2 p(i) of every item under the smoothed training popularity defined above. */
export function itemSelfInformation(trainCsr: Csr): Float64Array {
  const degree = new Float64Array(trainCsr.nCols);
  const nnz = trainCsr.indptr[trainCsr.nRows]!;
  for (let p = 0; p < nnz; p++) degree[trainCsr.indices[p]!]!++;
  let activeUsers = 0;
  for (let u = 0; u < trainCsr.nRows; u++) if (trainCsr.indptr[u + 1]! > trainCsr.indptr[u]!) activeUsers++;
  const info = new Float64Array(trainCsr.nCols);
  for (let i = 0; i < info.length; i++) info[i] = -Math.log2((degree[i]! + 1) / (activeUsers + 1));
  return info;
}

export interface MeanInterval {
  mean: number;
  /** 95% interval, normal approximation: mean ± 1.96 · s / √n with the sample std s */
  low: number;
  high: number;
}

/**
 * Mean and 95% interval of values[rows[t] · stride + column] over the listed rows.
 * With fewer than two values the spread is unknown and the interval collapses to the mean.
 */
export function meanInterval(values: Float64Array, stride: number, column: number, rows: ArrayLike<number>): MeanInterval {
  const n = rows.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN };
  let sum = 0;
  for (let t = 0; t < n; t++) sum += values[rows[t]! * stride + column]!;
  const mean = sum / n;
  if (n < 2) return { mean, low: mean, high: mean };
  let ss = 0;
  for (let t = 0; t < n; t++) {
    const d = values[rows[t]! * stride + column]! - mean;
    ss += d * d;
  }
  const half = (1.96 * Math.sqrt(ss / (n - 1))) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half };
}
