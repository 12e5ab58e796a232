/**
 * Smooth inverse frequency sentence vectors (Arora, Liang & Ma, "A simple but tough-to-beat baseline
 * for sentence embeddings", ICLR 2017): the mean of a/(a + p(w))-weighted word vectors, then the
 * projection on the first principal component of the corpus's sentence vectors removed.
 */

/** the paper's weight parameter; its range of good values is 1e-4 … 1e-3 */
export const SIF_A = 1e-3;

/**
 * p(w) for a word of frequency rank `rank` (0 = most frequent) in a vocabulary of `size` words, by
 * Zipf's law (p ∝ 1/(rank + 1)), for vectors whose source lists words by frequency but not their counts.
 */
export function zipfProbability(rank: number, size: number): number {
  return 1 / ((rank + 1) * harmonic(size));
}

export function sifWeight(probability: number, a = SIF_A): number {
  return a / (a + probability);
}

/**
 * Weighted mean of the word vectors of each sentence (rows of `vectors`, `dims` wide), over the
 * words it has in the vocabulary; sentences with none stay zero.
 */
export function weightedMeans(sentences: readonly number[][], vectors: Float32Array, weights: Float32Array, dims: number): Float32Array {
  const out = new Float32Array(sentences.length * dims);
  sentences.forEach((rows, s) => {
    if (rows.length === 0) return;
    const o = s * dims;
    for (const r of rows) {
      const w = weights[r]! / rows.length;
      for (let k = 0; k < dims; k++) out[o + k]! += w * vectors[r * dims + k]!;
    }
  });
  return out;
}

/**
 * The first principal component (uncentred, as in the paper: the top right singular vector) of
 * the rows of `x`, by power iteration on xᵀx; a zero vector when every row is zero.
 */
export function firstComponent(x: Float32Array, dims: number, iterations = 200): Float32Array {
  const n = x.length / dims;
  const gram = new Float64Array(dims * dims);
  for (let i = 0; i < n; i++) {
    const o = i * dims;
    for (let a = 0; a < dims; a++) {
      const xa = x[o + a]!;
      if (xa === 0) continue;
      for (let b = 0; b < dims; b++) gram[a * dims + b]! += xa * x[o + b]!;
    }
  }
  let v = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(dims);
    for (let a = 0; a < dims; a++) {
      let s = 0;
      for (let b = 0; b < dims; b++) s += gram[a * dims + b]! * v[b]!;
      next[a] = s;
    }
    const len = Math.hypot(...next);
    if (len === 0) return new Float32Array(dims);
    for (let a = 0; a < dims; a++) next[a]! /= len;
    v = next;
  }
  return Float32Array.from(v);
}

/** In place: each row minus its projection on the unit vector `u`, then scaled to unit length (zero rows stay zero). */
export function removeComponentAndNormalise(x: Float32Array, u: Float32Array, dims: number): void {
  for (let o = 0; o < x.length; o += dims) {
    let dot = 0;
    for (let k = 0; k < dims; k++) dot += x[o + k]! * u[k]!;
    let len = 0;
    for (let k = 0; k < dims; k++) {
      const v = x[o + k]! - dot * u[k]!;
      x[o + k] = v;
      len += v * v;
    }
    if (len === 0) continue;
    const inv = 1 / Math.sqrt(len);
    for (let k = 0; k < dims; k++) x[o + k]! *= inv;
  }
}

function harmonic(n: number): number {
  // exact below a few thousand terms, the asymptotic expansion above
  if (n < 4096) {
    let h = 0;
    for (let k = 1; k <= n; k++) h += 1 / k;
    return h;
  }
  return Math.log(n) + 0.5772156649015329 + 1 / (2 * n) - 1 / (12 * n * n);
}
