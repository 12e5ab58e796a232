// AssemblyScript: the loops of the randomized truncated SVD behind the builtin LSA embedding.
// Works on raw pointers into one memory the host lays out. Dense matrices are row-major float32 with
// a row width w that is a multiple of 16 (the host pads with zero columns), so every loop runs over
// whole blocks of four v128 lanes. The sparse matrix M is CSR (indptr, indices as i32, data as f32).

/** a * b + c, fused where the CPU has FMA: results are reproducible on one machine, not bit-equal across CPUs. */
function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

function madd64(a: v128, b: v128, c: v128): v128 {
  return f64x2.relaxed_madd(a, b, c);
}

/** dst (w floats) = Σ_p data[p] · src[indices[p]] over entries p0..p1; 16 lanes at a time stay in registers. */
function gatherRow(indices: usize, data: usize, p0: i32, p1: i32, src: usize, dst: usize, w: i32): void {
  const rowBytes = (<usize>w) << 2;
  for (let cb: usize = 0; cb < rowBytes; cb += 64) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let p = p0; p < p1; p++) {
      const v = v128.load32_splat(data + ((<usize>p) << 2));
      const at = src + <usize>load<i32>(indices + ((<usize>p) << 2)) * rowBytes + cb;
      a0 = madd(v, v128.load(at), a0);
      a1 = madd(v, v128.load(at, 16), a1);
      a2 = madd(v, v128.load(at, 32), a2);
      a3 = madd(v, v128.load(at, 48), a3);
    }
    v128.store(dst + cb, a0);
    v128.store(dst + cb, a1, 16);
    v128.store(dst + cb, a2, 32);
    v128.store(dst + cb, a3, 48);
  }
}

/** out[o] = (M · b)[o] for the rows o0..o1 of M; b and out have row width w. */
export function gather(indptr: usize, indices: usize, data: usize, o0: i32, o1: i32, b: usize, out: usize, w: i32): void {
  const rowBytes = (<usize>w) << 2;
  for (let o = o0; o < o1; o++) {
    const p0 = load<i32>(indptr + ((<usize>o) << 2));
    const p1 = load<i32>(indptr + ((<usize>(o + 1)) << 2));
    gatherRow(indices, data, p0, p1, b, out + <usize>o * rowBytes, w);
  }
}

/**
 * y += Mᵀ(M q) restricted to the rows o0..o1 of M, in one pass: each row's product (M q)[o] is formed in
 * the scratch t (w floats) and scattered at once, so the tall intermediate M q is never stored.
 */
export function gramApply(indptr: usize, indices: usize, data: usize, o0: i32, o1: i32, q: usize, y: usize, w: i32, t: usize): void {
  const rowBytes = (<usize>w) << 2;
  for (let o = o0; o < o1; o++) {
    const p0 = load<i32>(indptr + ((<usize>o) << 2));
    const p1 = load<i32>(indptr + ((<usize>(o + 1)) << 2));
    if (p0 == p1) continue;
    gatherRow(indices, data, p0, p1, q, t, w);
    for (let p = p0; p < p1; p++) {
      const v = v128.load32_splat(data + ((<usize>p) << 2));
      const row = y + <usize>load<i32>(indices + ((<usize>p) << 2)) * rowBytes;
      for (let cb: usize = 0; cb < rowBytes; cb += 64) {
        const at = row + cb;
        const src = t + cb;
        v128.store(at, madd(v, v128.load(src), v128.load(at)));
        v128.store(at, madd(v, v128.load(src, 16), v128.load(at, 16)), 16);
        v128.store(at, madd(v, v128.load(src, 32), v128.load(at, 32)), 32);
        v128.store(at, madd(v, v128.load(src, 48), v128.load(at, 48)), 48);
      }
    }
  }
}

/** float32 rows r0..r1 of a (width w) → float64 rows of `into` (width w), from its start. */
function widen(a: usize, r0: i32, r1: i32, w: i32, into: usize): void {
  const n = <usize>(r1 - r0) * <usize>w;
  const src = a + <usize>r0 * ((<usize>w) << 2);
  for (let i: usize = 0; i < n; i += 4) {
    const v = v128.load(src + (i << 2));
    v128.store(into + (i << 3), f64x2.promote_low_f32x4(v));
    v128.store(into + (i << 3), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), 16);
  }
}

/** Rows per block of `atb` (the host sizes its scratch by it): two float64 copies of a block stay in the second-level cache. */
const ATB_ROWS: i32 = 32;

/**
 * g (w × w, float64, row-major) += Aᵀ B over the rows 0..rows of A and B (float32, width w), for the
 * 4 × 4 tiles on and above the diagonal only: the callers' products are symmetric and mirror the upper
 * triangle. Products and sums are float64 (the Gram matrix of a basis squares its condition number).
 * scratch: 2 · ATB_ROWS · w float64.
 */
export function atb(a: usize, b: usize, rows: i32, w: i32, g: usize, scratch: usize): void {
  const wide = (<usize>w) << 3;
  const a64 = scratch;
  const b64 = scratch + <usize>ATB_ROWS * wide;
  for (let r0 = 0; r0 < rows; r0 += ATB_ROWS) {
    const r1 = min(rows, r0 + ATB_ROWS);
    widen(a, r0, r1, w, a64);
    widen(b, r0, r1, w, b64);
    const end = <usize>(r1 - r0) * wide;
    for (let p = 0; p < w; p += 4) {
      const ap = a64 + ((<usize>p) << 3);
      for (let c = p; c < w; c += 4) {
        const bc = b64 + ((<usize>c) << 3);
        const gt = g + (<usize>p * <usize>w + <usize>c) * 8;
        let c00 = v128.load(gt);
        let c01 = v128.load(gt, 16);
        let c10 = v128.load(gt + wide);
        let c11 = v128.load(gt + wide, 16);
        let c20 = v128.load(gt + 2 * wide);
        let c21 = v128.load(gt + 2 * wide, 16);
        let c30 = v128.load(gt + 3 * wide);
        let c31 = v128.load(gt + 3 * wide, 16);
        for (let off: usize = 0; off < end; off += wide) {
          const b0 = v128.load(bc + off);
          const b1 = v128.load(bc + off, 16);
          const s0 = v128.load64_splat(ap + off);
          const s1 = v128.load64_splat(ap + off + 8);
          const s2 = v128.load64_splat(ap + off + 16);
          const s3 = v128.load64_splat(ap + off + 24);
          c00 = madd64(s0, b0, c00);
          c01 = madd64(s0, b1, c01);
          c10 = madd64(s1, b0, c10);
          c11 = madd64(s1, b1, c11);
          c20 = madd64(s2, b0, c20);
          c21 = madd64(s2, b1, c21);
          c30 = madd64(s3, b0, c30);
          c31 = madd64(s3, b1, c31);
        }
        v128.store(gt, c00);
        v128.store(gt, c01, 16);
        v128.store(gt + wide, c10);
        v128.store(gt + wide, c11, 16);
        v128.store(gt + 2 * wide, c20);
        v128.store(gt + 2 * wide, c21, 16);
        v128.store(gt + 3 * wide, c30);
        v128.store(gt + 3 * wide, c31, 16);
      }
    }
  }
}

/**
 * out (rows × wOut) = A (rows × w) · C (w × wOut), all float32. Tiles of 4 rows × 8 lanes accumulate in
 * registers while p runs over w; a column strip of C (w · 32 bytes) stays in the first-level cache.
 */
export function mulSmall(a: usize, rows: i32, w: i32, c: usize, wOut: i32, out: usize): void {
  const inBytes = (<usize>w) << 2;
  const outBytes = (<usize>wOut) << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = a + <usize>r * inBytes;
    for (let cb: usize = 0; cb < outBytes; cb += 32) {
      let x0 = f32x4.splat(0);
      let x1 = f32x4.splat(0);
      let y0 = f32x4.splat(0);
      let y1 = f32x4.splat(0);
      let z0 = f32x4.splat(0);
      let z1 = f32x4.splat(0);
      let u0 = f32x4.splat(0);
      let u1 = f32x4.splat(0);
      let cp = c + cb;
      for (let pb: usize = 0; pb < inBytes; pb += 4) {
        const k0 = v128.load(cp);
        const k1 = v128.load(cp, 16);
        const s0 = v128.load32_splat(a0 + pb);
        const s1 = v128.load32_splat(a0 + inBytes + pb);
        const s2 = v128.load32_splat(a0 + 2 * inBytes + pb);
        const s3 = v128.load32_splat(a0 + 3 * inBytes + pb);
        x0 = madd(s0, k0, x0);
        x1 = madd(s0, k1, x1);
        y0 = madd(s1, k0, y0);
        y1 = madd(s1, k1, y1);
        z0 = madd(s2, k0, z0);
        z1 = madd(s2, k1, z1);
        u0 = madd(s3, k0, u0);
        u1 = madd(s3, k1, u1);
        cp += outBytes;
      }
      const o = out + <usize>r * outBytes + cb;
      v128.store(o, x0);
      v128.store(o, x1, 16);
      v128.store(o + outBytes, y0);
      v128.store(o + outBytes, y1, 16);
      v128.store(o + 2 * outBytes, z0);
      v128.store(o + 2 * outBytes, z1, 16);
      v128.store(o + 3 * outBytes, u0);
      v128.store(o + 3 * outBytes, u1, 16);
    }
  }
  for (; r < rows; r++) {
    const ar = a + <usize>r * inBytes;
    for (let cb: usize = 0; cb < outBytes; cb += 32) {
      let x0 = f32x4.splat(0);
      let x1 = f32x4.splat(0);
      let cp = c + cb;
      for (let pb: usize = 0; pb < inBytes; pb += 4) {
        const s0 = v128.load32_splat(ar + pb);
        x0 = madd(s0, v128.load(cp), x0);
        x1 = madd(s0, v128.load(cp, 16), x1);
        cp += outBytes;
      }
      const o = out + <usize>r * outBytes + cb;
      v128.store(o, x0);
      v128.store(o, x1, 16);
    }
  }
}

export function heapBase(): usize {
  return __heap_base;
}
