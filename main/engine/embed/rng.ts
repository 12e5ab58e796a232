/** Seeded PRNG (mulberry32): deterministic streams for fitting that must reproduce for a seed. */
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
