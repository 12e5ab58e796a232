import { EngineError } from '../../../common/contracts/errors.ts';
import type { AlsModel, AlsParams } from './als.ts';

/** Item-to-item similarity and per-history-item explanations of ALS scores (single queries, plain JS). */

const itemNorms = new WeakMap<AlsModel, Float64Array>();
const itemGrams = new WeakMap<AlsModel, Float64Array>();

function checkItem(model: AlsModel, item: number, what: string): void {
  if (!Number.isInteger(item) || item < 0 || item >= model.nItems) {
    throw new EngineError('invalid-input', `ALS ${what}: item index ${item} is outside 0..${model.nItems - 1}`);
  }
}

function norms(model: AlsModel): Float64Array {
  let n = itemNorms.get(model);
  if (!n) {
    const { factors: k, itemFactors: y } = model;
    n = new Float64Array(model.nItems);
    for (let i = 0; i < model.nItems; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += y[i * k + f]! * y[i * k + f]!;
      n[i] = Math.sqrt(s);
    }
    itemNorms.set(model, n);
  }
  return n;
}

function dotRows(a: Float32Array, i: number, b: Float32Array | Float64Array, j: number, k: number): number {
  let s = 0;
  for (let f = 0; f < k; f++) s += a[i * k + f]! * b[j * k + f]!;
  return s;
}

/** Top-k items by cosine similarity of item factors, excluding the item itself. */
export function similarItems(model: AlsModel, item: number, k: number): { item: number; score: number }[] {
  checkItem(model, item, 'similarItems');
  const n = norms(model);
  const { factors, itemFactors } = model;
  const scored: { item: number; score: number }[] = [];
  for (let j = 0; j < model.nItems; j++) {
    if (j === item) continue;
    const denom = n[item]! * n[j]!;
    scored.push({ item: j, score: denom > 0 ? dotRows(itemFactors, item, itemFactors, j, factors) / denom : 0 });
  }
  scored.sort((a, b) => b.score - a.score || a.item - b.item);
  return scored.slice(0, Math.max(0, k));
}

function gram(model: AlsModel): Float64Array {
  let g = itemGrams.get(model);
  if (!g) {
    const { factors: k, itemFactors: y } = model;
    g = new Float64Array(k * k);
    for (let i = 0; i < model.nItems; i++) {
      for (let a = 0; a < k; a++) {
        const ya = y[i * k + a]!;
        for (let b = a; b < k; b++) g[a * k + b]! += ya * y[i * k + b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
    itemGrams.set(model, g);
  }
  return g;
}

/** Solves A z = rhs for symmetric positive definite A (k x k, overwritten by its Cholesky factor). */
function choleskySolve(a: Float64Array, rhs: Float64Array, k: number): Float64Array {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let p = 0; p < j; p++) d -= a[j * k + p]! * a[j * k + p]!;
    if (!(d > 0)) throw new EngineError('internal', 'ALS explain: the weighted item gram matrix is not positive definite; use regularization > 0');
    const l = Math.sqrt(d);
    a[j * k + j] = l;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = s / l;
    }
  }
  const z = Float64Array.from(rhs);
  for (let i = 0; i < k; i++) {
    for (let p = 0; p < i; p++) z[i]! -= a[i * k + p]! * z[p]!;
    z[i]! /= a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    for (let p = i + 1; p < k; p++) z[i]! -= a[p * k + i]! * z[p]!;
    z[i]! /= a[i * k + i]!;
  }
  return z;
}

/**
 * The history items that contributed most to the user's score for `item` (Hu et al. 2008, section 5;
 * implicit's `explain`). With W = (Y^T C_u Y + reg I)^-1 the exactly solved user vector is
 * x_u = sum_j c_uj W y_j, so score(u, item) = sum_j c_uj (y_item^T W y_j) and each term is item j's share.
 * `confidences` are the confidences c_uj = 1 + confidenceMinusOne(value) of the history items.
 */
export function explainAls(
  model: AlsModel,
  history: Int32Array,
  confidences: Float32Array,
  item: number,
  n: number,
  params: Pick<AlsParams, 'regularization'>,
): { item: number; weight: number }[] {
  checkItem(model, item, 'explainAls');
  if (confidences.length !== history.length) {
    throw new EngineError('invalid-input', `ALS explainAls: ${history.length} history items but ${confidences.length} confidences`);
  }
  for (const j of history) checkItem(model, j, 'explainAls history');
  const { factors: k, itemFactors: y } = model;
  const a = Float64Array.from(gram(model));
  for (let f = 0; f < k; f++) a[f * k + f]! += params.regularization;
  history.forEach((j, h) => {
    const extra = confidences[h]! - 1;
    for (let p = 0; p < k; p++) {
      const yp = extra * y[j * k + p]!;
      for (let q = 0; q < k; q++) a[p * k + q]! += yp * y[j * k + q]!;
    }
  });
  const z = choleskySolve(a, Float64Array.from(y.subarray(item * k, (item + 1) * k)), k);
  const weights = Array.from(history, (j, h) => ({ item: j, weight: confidences[h]! * dotRows(y, j, z, 0, k) }));
  weights.sort((p, q) => q.weight - p.weight || p.item - q.item);
  return weights.slice(0, Math.max(0, n));
}
