/**
 * Seeded randomness for everything that must reproduce for a seed on every platform: synthetic
 * data, LSA projections, classifier initialisation and shuffling.
 */

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for a sub-stream (e.g. epoch 3 of seed 42), so a resumed run draws the same numbers. */
export function subSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T, random: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Standard normal draws (Box–Muller). */
export function normal(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A seeded stream of standard normals (Box–Muller on mulberry32, both values of each pair used). */
export function normalStream(seed: number): () => number {
  const raw = mulberry32(seed);
  // half a step up: never 0, so the logarithm stays finite
  const uniform = (): number => raw() + 0.5 / 4294967296;
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Index drawn with probability proportional to `weights[k]` (cumulative weights, binary search). */
export function sampleCumulative(cumulative: Float64Array, rand: () => number): number {
  const x = rand() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Standard normal samples by Box-Muller over a seeded uniform stream. */
export function gaussianFill(out: Float64Array, seed: number): Float64Array {
  const uniform = mulberry32(seed);
  for (let i = 0; i < out.length; i += 2) {
    const u1 = Math.max(uniform(), 1e-300);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
