import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import type { Csr } from '../data/types.ts';
import type { TrainEvents } from '../eval/split.ts';
import { TopK } from '../eval/topk.ts';
import { loadFloat32, readArtifactJson, saveIds, saveNpy } from '../common/arrays.ts';
import { createConstantScorer, type Scorer } from './scorer.ts';

/**
 * Popularity baselines: one score per item, the same ranking for every user. Fit on the training
 * part of a split only (`train` events and `trainCsr`), never on test events.
 *
 * count: score(i) = number of distinct users with a training event on i.
 *
 * bayes: score(i) = v/(v+m)·R + m/(v+m)·C, v = number of rating events on i, R = their mean,
 *   C = mean of all training ratings, m = smoothing strength (a number, or "mean" = the mean v
 *   over rated items). Items with v < minRatings get -Infinity (never recommended).
 *   A log without ratings carries no R or C (treating every event as rating 1 would give every
 *   item the same score), so bayes then falls back to the count score, with minRatings applied to
 *   the distinct-user count; `effective.fallback` says so.
 */

export type PopularityKind = 'count' | 'bayes';

export interface BayesParams {
  /** smoothing strength (default 10), or "mean" for the mean rating count of rated items */
  m?: number | 'mean';
  /** items with fewer rating events are not recommended (default 1) */
  minRatings?: number;
}

export interface PopularityModel {
  kind: PopularityKind;
  /** one score per catalogue item; -Infinity = filtered out */
  scores: Float32Array;
  /** what was really fitted, for the run manifest */
  effective: Record<string, unknown>;
}

export interface PopularityTrainData {
  train: TrainEvents;
  trainCsr: Csr;
}

function distinctUserCounts(trainCsr: Csr): Float32Array {
  const counts = new Float32Array(trainCsr.nCols);
  const nnz = trainCsr.indptr[trainCsr.nRows]!;
  for (let p = 0; p < nnz; p++) counts[trainCsr.indices[p]!]!++;
  return counts;
}

export function fitCountPopularity(data: PopularityTrainData): PopularityModel {
  return { kind: 'count', scores: distinctUserCounts(data.trainCsr), effective: { kind: 'count' } };
}

function validateBayesParams(params: BayesParams): { m: number | 'mean'; minRatings: number } {
  const m = params.m ?? 10;
  const minRatings = params.minRatings ?? 1;
  if (m !== 'mean' && !(Number.isFinite(m) && m >= 0)) {
    throw new EngineError('invalid-input', `popularity.m must be a number >= 0 or "mean", got ${String(m)}`, { field: 'popularity.m', value: m });
  }
  if (!Number.isInteger(minRatings) || minRatings < 0) {
    throw new EngineError('invalid-input', `popularity.minRatings must be an integer >= 0, got ${minRatings}`, {
      field: 'popularity.minRatings',
      value: minRatings,
    });
  }
  return { m, minRatings };
}

export function fitBayesPopularity(data: PopularityTrainData, params: BayesParams = {}): PopularityModel {
  const { m, minRatings } = validateBayesParams(params);
  const { rating, item } = data.train;
  const nItems = data.trainCsr.nCols;
  if (!rating) {
    const scores = distinctUserCounts(data.trainCsr);
    for (let i = 0; i < nItems; i++) if (scores[i]! < minRatings) scores[i] = -Infinity;
    return {
      kind: 'bayes',
      scores,
      effective: { kind: 'bayes', fallback: 'count', reason: 'the interaction log has no ratings', minRatings, minRatingsAppliesTo: 'distinct users' },
    };
  }
  const v = new Float64Array(nItems);
  const sum = new Float64Array(nItems);
  let total = 0;
  for (let k = 0; k < item.length; k++) {
    v[item[k]!]!++;
    sum[item[k]!]! += rating[k]!;
    total += rating[k]!;
  }
  const globalMean = item.length === 0 ? 0 : total / item.length;
  let rated = 0;
  for (let i = 0; i < nItems; i++) if (v[i]! > 0) rated++;
  const mValue = m === 'mean' ? (rated === 0 ? 0 : item.length / rated) : m;
  const scores = new Float32Array(nItems);
  for (let i = 0; i < nItems; i++) {
    const vi = v[i]!;
    if (vi < minRatings) scores[i] = -Infinity;
    else if (vi + mValue === 0) scores[i] = globalMean;
    else scores[i] = (vi / (vi + mValue)) * (sum[i]! / Math.max(vi, 1)) + (mValue / (vi + mValue)) * globalMean;
  }
  return { kind: 'bayes', scores, effective: { kind: 'bayes', m: mValue, minRatings, globalMean, ratedItems: rated } };
}

export function createPopularityScorer(model: PopularityModel): Scorer {
  return createConstantScorer(model.scores);
}

/** The best n recommendable items, best first (ties: lower item index first). */
export function topItems(model: PopularityModel, n: number): Int32Array {
  const out = new Int32Array(Math.min(n, model.scores.length));
  const count = new TopK(out.length).select(model.scores, 0, model.scores.length, out);
  return out.slice(0, count);
}

/**
 * Writes scores.npy (float32, one per item), top.npy (int32 item indices of the best topN),
 * top_items.txt (their external ids) and popularity.json (kind and effective params).
 */
export function savePopularity(dir: string, model: PopularityModel, itemIds: readonly string[], topN = 100): void {
  const top = topItems(model, topN);
  saveNpy(join(dir, 'scores.npy'), model.scores, [model.scores.length]);
  saveNpy(join(dir, 'top.npy'), top, [top.length]);
  saveIds(
    join(dir, 'top_items.txt'),
    Array.from(top, (i) => itemIds[i]!),
  );
  writeFileSync(join(dir, 'popularity.json'), JSON.stringify({ kind: model.kind, effective: model.effective }, null, 2) + '\n');
}

export function loadPopularity(dir: string): PopularityModel {
  const meta = readArtifactJson<{ kind: PopularityKind; effective: Record<string, unknown> }>(join(dir, 'popularity.json'));
  return { kind: meta.kind, scores: loadFloat32(join(dir, 'scores.npy')).data, effective: meta.effective };
}
