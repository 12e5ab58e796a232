import type { Scorer } from './scorer.ts';

/**
 * Standardises one score row in place over its finite entries (mean 0, sd 1), so scores of
 * different models are on one scale; -Infinity ("never") stays.
 */
export function standardizeRow(row: Float32Array, offset: number, n: number): void {
  let sum = 0;
  let sq = 0;
  let count = 0;
  for (let i = offset; i < offset + n; i++) {
    const v = row[i]!;
    if (v === -Infinity) continue;
    sum += v;
    sq += v * v;
    count++;
  }
  if (count === 0) return;
  const mean = sum / count;
  const sd = Math.sqrt(Math.max(sq / count - mean * mean, 0)) || 1;
  for (let i = offset; i < offset + n; i++) if (row[i] !== -Infinity) row[i] = (row[i]! - mean) / sd;
}

/**
 * The hybrid recommender: weight · CF + (1 − weight) · content on standardised rows. An item the
 * content side cannot score (not in the index) keeps its CF part; an item without interactions
 * (zero CF factors) is still reachable through content.
 */
export function createBlendScorer(cf: Scorer, content: Scorer, weight: number): Scorer {
  const nItems = cf.nItems;
  let scratch = new Float32Array(0);
  return {
    nItems,
    scoreUsers(users, out) {
      const size = users.length * nItems;
      if (scratch.length < size) scratch = new Float32Array(size);
      cf.scoreUsers(users, out);
      content.scoreUsers(users, scratch);
      for (let b = 0; b < users.length; b++) {
        const o = b * nItems;
        standardizeRow(out, o, nItems);
        standardizeRow(scratch, o, nItems);
        for (let i = o; i < o + nItems; i++) {
          const c = scratch[i]!;
          out[i] = weight * out[i]! + (1 - weight) * (c === -Infinity ? 0 : c);
        }
      }
    },
  };
}
