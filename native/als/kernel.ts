// AssemblyScript: the hot loops of implicit-feedback ALS and of scoring with its factors.
// Works on raw pointers into one memory the host lays out (and may share between threads).
// Vectors hold k floats with k a multiple of 16 (the host pads factors with zeros), so every loop
// runs over blocks of four v128 lanes; matrices are row-major with row stride k.

/** a * b + c, fused where the CPU has FMA: results are reproducible on one machine, not bit-equal across CPUs. */
function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

function dot(a: usize, b: usize, k: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  const end = a + (<usize>k << 2);
  while (a < end) {
    acc0 = madd(v128.load(a), v128.load(b), acc0);
    acc1 = madd(v128.load(a, 16), v128.load(b, 16), acc1);
    acc2 = madd(v128.load(a, 32), v128.load(b, 32), acc2);
    acc3 = madd(v128.load(a, 48), v128.load(b, 48), acc3);
    a += 64;
    b += 64;
  }
  return hsum(f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3)));
}

/** y += alpha * x */
function axpy(alpha: f32, x: usize, y: usize, k: i32): void {
  const s = f32x4.splat(alpha);
  const end = x + (<usize>k << 2);
  while (x < end) {
    v128.store(y, madd(s, v128.load(x), v128.load(y)));
    v128.store(y, madd(s, v128.load(x, 16), v128.load(y, 16)), 16);
    v128.store(y, madd(s, v128.load(x, 32), v128.load(y, 32)), 32);
    v128.store(y, madd(s, v128.load(x, 48), v128.load(y, 48)), 48);
    x += 64;
    y += 64;
  }
}

/**
 * out = G v + reg v, for symmetric k x k G (so G v = sum_a v[a] G[a,:]). 32 output lanes at a time
 * accumulate in registers, in 8 independent chains (16 lanes when k is not a multiple of 32).
 */
function symv(g: usize, v: usize, reg: f32, out: usize, k: i32): void {
  const rowBytes = <usize>k << 2;
  const sr = f32x4.splat(reg);
  let cb: usize = 0;
  for (; cb + 128 <= rowBytes; cb += 128) {
    let acc0 = f32x4.mul(sr, v128.load(v + cb));
    let acc1 = f32x4.mul(sr, v128.load(v + cb, 16));
    let acc2 = f32x4.mul(sr, v128.load(v + cb, 32));
    let acc3 = f32x4.mul(sr, v128.load(v + cb, 48));
    let acc4 = f32x4.mul(sr, v128.load(v + cb, 64));
    let acc5 = f32x4.mul(sr, v128.load(v + cb, 80));
    let acc6 = f32x4.mul(sr, v128.load(v + cb, 96));
    let acc7 = f32x4.mul(sr, v128.load(v + cb, 112));
    let row = g + cb;
    for (let a: usize = 0; a < rowBytes; a += 4) {
      const s = v128.load32_splat(v + a);
      acc0 = madd(s, v128.load(row), acc0);
      acc1 = madd(s, v128.load(row, 16), acc1);
      acc2 = madd(s, v128.load(row, 32), acc2);
      acc3 = madd(s, v128.load(row, 48), acc3);
      acc4 = madd(s, v128.load(row, 64), acc4);
      acc5 = madd(s, v128.load(row, 80), acc5);
      acc6 = madd(s, v128.load(row, 96), acc6);
      acc7 = madd(s, v128.load(row, 112), acc7);
      row += rowBytes;
    }
    v128.store(out + cb, acc0);
    v128.store(out + cb, acc1, 16);
    v128.store(out + cb, acc2, 32);
    v128.store(out + cb, acc3, 48);
    v128.store(out + cb, acc4, 64);
    v128.store(out + cb, acc5, 80);
    v128.store(out + cb, acc6, 96);
    v128.store(out + cb, acc7, 112);
  }
  if (cb < rowBytes) {
    let acc0 = f32x4.mul(sr, v128.load(v + cb));
    let acc1 = f32x4.mul(sr, v128.load(v + cb, 16));
    let acc2 = f32x4.mul(sr, v128.load(v + cb, 32));
    let acc3 = f32x4.mul(sr, v128.load(v + cb, 48));
    let row = g + cb;
    for (let a: usize = 0; a < rowBytes; a += 4) {
      const s = v128.load32_splat(v + a);
      acc0 = madd(s, v128.load(row), acc0);
      acc1 = madd(s, v128.load(row, 16), acc1);
      acc2 = madd(s, v128.load(row, 32), acc2);
      acc3 = madd(s, v128.load(row, 48), acc3);
      row += rowBytes;
    }
    v128.store(out + cb, acc0);
    v128.store(out + cb, acc1, 16);
    v128.store(out + cb, acc2, 32);
    v128.store(out + cb, acc3, 48);
  }
}

function rowOf(y: usize, indices: usize, e: i32, rowBytes: usize): usize {
  return y + <usize>load<i32>(indices + (<usize>e << 2)) * rowBytes;
}

/** [hsum(s0), hsum(s1), hsum(s2), hsum(s3)] by a transpose-and-add. */
function sums4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const u01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const u23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
}

/** The four dot products [v.y0, v.y1, v.y2, v.y3]: they share each load of v and run as eight independent chains. */
function dots4(v: usize, y0: usize, y1: usize, y2: usize, y3: usize, rowBytes: usize): v128 {
  let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
  let a1 = f32x4.splat(0), b1 = f32x4.splat(0);
  let a2 = f32x4.splat(0), b2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let f: usize = 0; f < rowBytes; f += 32) {
    const va = v128.load(v + f);
    const vb = v128.load(v + f, 16);
    a0 = madd(va, v128.load(y0 + f), a0);
    b0 = madd(vb, v128.load(y0 + f, 16), b0);
    a1 = madd(va, v128.load(y1 + f), a1);
    b1 = madd(vb, v128.load(y1 + f, 16), b1);
    a2 = madd(va, v128.load(y2 + f), a2);
    b2 = madd(vb, v128.load(y2 + f, 16), b2);
    a3 = madd(va, v128.load(y3 + f), a3);
    b3 = madd(vb, v128.load(y3 + f, 16), b3);
  }
  return sums4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3));
}

/** out += coef[0] y0 + coef[1] y1 + coef[2] y2 + coef[3] y3 */
function axpy4(coef: v128, y0: usize, y1: usize, y2: usize, y3: usize, out: usize, rowBytes: usize): void {
  const s0 = v128.shuffle<f32>(coef, coef, 0, 0, 0, 0);
  const s1 = v128.shuffle<f32>(coef, coef, 1, 1, 1, 1);
  const s2 = v128.shuffle<f32>(coef, coef, 2, 2, 2, 2);
  const s3 = v128.shuffle<f32>(coef, coef, 3, 3, 3, 3);
  for (let f: usize = 0; f < rowBytes; f += 16) {
    let acc = v128.load(out + f);
    acc = madd(s0, v128.load(y0 + f), acc);
    acc = madd(s1, v128.load(y1 + f), acc);
    acc = madd(s2, v128.load(y2 + f), acc);
    acc = madd(s3, v128.load(y3 + f), acc);
    v128.store(out + f, acc);
  }
}

/**
 * For each observed entry e in [start, end) with other-side row y_e and c1 = c - 1:
 * out += (base * (1 + c1) + sign * c1 * (y_e . v)) y_e.
 * Entries go eight at a time: eight independent row gathers in flight, the eight dot products share each
 * load of v, and out is read and written once per eight rows.
 */
function accumulateRows(
  v: usize, out: usize, y: usize, indices: usize, cm1: usize, start: i32, end: i32, k: i32, base: f32, sign: f32,
): void {
  const rowBytes = <usize>k << 2;
  const one = f32x4.splat(1);
  const baseV = f32x4.splat(base);
  const signV = f32x4.splat(sign);
  let e = start;
  for (; e + 8 <= end; e += 8) {
    const y0 = rowOf(y, indices, e, rowBytes);
    const y1 = rowOf(y, indices, e + 1, rowBytes);
    const y2 = rowOf(y, indices, e + 2, rowBytes);
    const y3 = rowOf(y, indices, e + 3, rowBytes);
    const y4 = rowOf(y, indices, e + 4, rowBytes);
    const y5 = rowOf(y, indices, e + 5, rowBytes);
    const y6 = rowOf(y, indices, e + 6, rowBytes);
    const y7 = rowOf(y, indices, e + 7, rowBytes);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    for (let f: usize = 0; f < rowBytes; f += 16) {
      const vf = v128.load(v + f);
      a0 = madd(vf, v128.load(y0 + f), a0);
      a1 = madd(vf, v128.load(y1 + f), a1);
      a2 = madd(vf, v128.load(y2 + f), a2);
      a3 = madd(vf, v128.load(y3 + f), a3);
      a4 = madd(vf, v128.load(y4 + f), a4);
      a5 = madd(vf, v128.load(y5 + f), a5);
      a6 = madd(vf, v128.load(y6 + f), a6);
      a7 = madd(vf, v128.load(y7 + f), a7);
    }
    const cLo = v128.load(cm1 + (<usize>e << 2));
    const cHi = v128.load(cm1 + (<usize>e << 2), 16);
    const lo = madd(f32x4.mul(signV, cLo), sums4(a0, a1, a2, a3), f32x4.mul(baseV, f32x4.add(one, cLo)));
    const hi = madd(f32x4.mul(signV, cHi), sums4(a4, a5, a6, a7), f32x4.mul(baseV, f32x4.add(one, cHi)));
    const s0 = v128.shuffle<f32>(lo, lo, 0, 0, 0, 0);
    const s1 = v128.shuffle<f32>(lo, lo, 1, 1, 1, 1);
    const s2 = v128.shuffle<f32>(lo, lo, 2, 2, 2, 2);
    const s3 = v128.shuffle<f32>(lo, lo, 3, 3, 3, 3);
    const s4 = v128.shuffle<f32>(hi, hi, 0, 0, 0, 0);
    const s5 = v128.shuffle<f32>(hi, hi, 1, 1, 1, 1);
    const s6 = v128.shuffle<f32>(hi, hi, 2, 2, 2, 2);
    const s7 = v128.shuffle<f32>(hi, hi, 3, 3, 3, 3);
    for (let f: usize = 0; f < rowBytes; f += 16) {
      let acc = v128.load(out + f);
      acc = madd(s0, v128.load(y0 + f), acc);
      acc = madd(s1, v128.load(y1 + f), acc);
      acc = madd(s2, v128.load(y2 + f), acc);
      acc = madd(s3, v128.load(y3 + f), acc);
      let acc2 = f32x4.mul(s4, v128.load(y4 + f));
      acc2 = madd(s5, v128.load(y5 + f), acc2);
      acc2 = madd(s6, v128.load(y6 + f), acc2);
      acc2 = madd(s7, v128.load(y7 + f), acc2);
      v128.store(out + f, f32x4.add(acc, acc2));
    }
  }
  if (e + 4 <= end) {
    const y0 = rowOf(y, indices, e, rowBytes);
    const y1 = rowOf(y, indices, e + 1, rowBytes);
    const y2 = rowOf(y, indices, e + 2, rowBytes);
    const y3 = rowOf(y, indices, e + 3, rowBytes);
    const c1 = v128.load(cm1 + (<usize>e << 2));
    axpy4(madd(f32x4.mul(signV, c1), dots4(v, y0, y1, y2, y3, rowBytes), f32x4.mul(baseV, f32x4.add(one, c1))), y0, y1, y2, y3, out, rowBytes);
    e += 4;
  }
  for (; e < end; e++) {
    const yj = rowOf(y, indices, e, rowBytes);
    const c1 = load<f32>(cm1 + (<usize>e << 2));
    axpy(base * (1 + c1) + sign * c1 * dot(yj, v, k), yj, out, k);
  }
}

/** v *= s */
function scale(v: usize, s: f32, k: i32): void {
  const sv = f32x4.splat(s);
  const end = v + (<usize>k << 2);
  for (; v < end; v += 16) v128.store(v, f32x4.mul(sv, v128.load(v)));
}

/** out = a + beta * out */
function xpby(a: usize, beta: f32, out: usize, k: i32): void {
  const s = f32x4.splat(beta);
  const end = a + (<usize>k << 2);
  while (a < end) {
    v128.store(out, madd(s, v128.load(out), v128.load(a)));
    v128.store(out, madd(s, v128.load(out, 16), v128.load(a, 16)), 16);
    v128.store(out, madd(s, v128.load(out, 32), v128.load(a, 32)), 32);
    v128.store(out, madd(s, v128.load(out, 48), v128.load(a, 48)), 48);
    a += 64;
    out += 64;
  }
}

/**
 * Conjugate-gradient update of x_u against the fixed other side Y (Takács et al. 2011, as implicit's
 * least_squares_cg): solves (G + Y^T (C_u - I) Y + reg I) x_u = Y^T C_u p_u starting from the current
 * x_u, with G = Y^T Y, over the observed entries [start, end). scratch holds 3k floats.
 */
function conjugateGradient(
  xu: usize, y: usize, g: usize, indices: usize, cm1: usize, start: i32, end: i32, k: i32, reg: f32, cgSteps: i32, scratch: usize,
): void {
  const rowBytes = <usize>k << 2;
  const r = scratch;
  const p = scratch + rowBytes;
  const ap = p + rowBytes;
  // r = Y^T C_u p_u - A x_u = -(G + reg I) x_u + sum_j (c_j - (c_j - 1) y_j.x_u) y_j
  symv(g, xu, reg, r, k);
  scale(r, -1, k);
  accumulateRows(xu, r, y, indices, cm1, start, end, k, 1, -1);
  memory.copy(p, r, rowBytes);
  let rsOld = dot(r, r, k);
  if (rsOld < 1e-20) return;
  for (let step = 0; step < cgSteps; step++) {
    symv(g, p, reg, ap, k);
    accumulateRows(p, ap, y, indices, cm1, start, end, k, 0, 1);
    const alpha = rsOld / dot(p, ap, k);
    axpy(alpha, p, xu, k);
    axpy(-alpha, ap, r, k);
    const rsNew = dot(r, r, k);
    if (rsNew < 1e-20) return;
    xpby(r, rsNew / rsOld, p, k);
    rsOld = rsNew;
  }
}

/**
 * The observed-entry terms of the implicit-ALS objective for one row: sum of c (1 - p)^2 - p^2 with
 * p = x_u . y_j (the host adds p^2 summed over all pairs as trace(X^T X Y^T Y)).
 */
function observedLoss(xu: usize, y: usize, indices: usize, cm1: usize, start: i32, end: i32, k: i32): f64 {
  const rowBytes = <usize>k << 2;
  const one = f32x4.splat(1);
  let acc = f32x4.splat(0);
  let e = start;
  for (; e + 4 <= end; e += 4) {
    const p = dots4(
      xu,
      rowOf(y, indices, e, rowBytes),
      rowOf(y, indices, e + 1, rowBytes),
      rowOf(y, indices, e + 2, rowBytes),
      rowOf(y, indices, e + 3, rowBytes),
      rowBytes,
    );
    const c = f32x4.add(one, v128.load(cm1 + (<usize>e << 2)));
    const miss = f32x4.sub(one, p);
    acc = f32x4.add(acc, f32x4.sub(f32x4.mul(c, f32x4.mul(miss, miss)), f32x4.mul(p, p)));
  }
  let loss: f64 = <f64>hsum(acc);
  for (; e < end; e++) {
    const c: f64 = 1 + <f64>load<f32>(cm1 + (<usize>e << 2));
    const p: f64 = <f64>dot(rowOf(y, indices, e, rowBytes), xu, k);
    loss += c * (1 - p) * (1 - p) - p * p;
  }
  return loss;
}

/**
 * Updates rows [r0, r1) of X by conjugate gradient (see conjugateGradient). With withLoss set it also
 * returns the observed-entry loss terms of the updated rows, computed while their other-side rows are
 * still in cache; otherwise 0. The sparse row u lists the observed columns and cm1 = c - 1 per entry.
 */
export function solveRows(
  x: usize, y: usize, g: usize, indptr: usize, indices: usize, cm1: usize,
  r0: i32, r1: i32, k: i32, reg: f32, cgSteps: i32, scratch: usize, withLoss: bool,
): f64 {
  const rowBytes = <usize>k << 2;
  let loss: f64 = 0;
  for (let u = r0; u < r1; u++) {
    const xu = x + <usize>u * rowBytes;
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + (<usize>(u + 1) << 2));
    if (start == end) {
      // (G + reg I) x = 0 is solved by 0; iterating towards it would only shrink x into slow subnormals
      memory.fill(xu, 0, rowBytes);
      continue;
    }
    conjugateGradient(xu, y, g, indices, cm1, start, end, k, reg, cgSteps, scratch);
    if (withLoss) loss += observedLoss(xu, y, indices, cm1, start, end, k);
  }
  return loss;
}

/**
 * out (k x k) = sum over rows [r0, r1) of a a^T. Rows go through in chunks that stay in L1 while every
 * 16-lane block of every output row accumulates in registers.
 */
export function gram(a: usize, r0: i32, r1: i32, k: i32, out: usize): void {
  const rowBytes = <usize>k << 2;
  memory.fill(out, 0, rowBytes * <usize>k);
  const CHUNK = 32;
  for (let c0 = r0; c0 < r1; c0 += CHUNK) {
    const c1 = min(c0 + CHUNK, r1);
    const base = a + <usize>c0 * rowBytes;
    const limit = a + <usize>c1 * rowBytes;
    for (let i: usize = 0; i < rowBytes; i += 4) {
      const outRow = out + i * <usize>k;
      for (let cb: usize = 0; cb < rowBytes; cb += 64) {
        let acc0 = v128.load(outRow + cb);
        let acc1 = v128.load(outRow + cb, 16);
        let acc2 = v128.load(outRow + cb, 32);
        let acc3 = v128.load(outRow + cb, 48);
        for (let row = base; row < limit; row += rowBytes) {
          const s = v128.load32_splat(row + i);
          acc0 = madd(s, v128.load(row + cb), acc0);
          acc1 = madd(s, v128.load(row + cb, 16), acc1);
          acc2 = madd(s, v128.load(row + cb, 32), acc2);
          acc3 = madd(s, v128.load(row + cb, 48), acc3);
        }
        v128.store(outRow + cb, acc0);
        v128.store(outRow + cb, acc1, 16);
        v128.store(outRow + cb, acc2, 32);
        v128.store(outRow + cb, acc3, 48);
      }
    }
  }
}

/**
 * Dot products of nUsers user rows (a multiple of 4, row stride k) with every item, items packed in
 * panels of 8: panel q holds, for each factor f, the f-th factor of items 8q..8q+7. out row u, column
 * 8q+t receives user u . item 8q+t (row stride outStride floats). Each panel is reused from L1 by all
 * users; each 4 x 8 tile accumulates in registers.
 */
export function scoreUsers(users: usize, nUsers: i32, panels: usize, nPanels: i32, k: i32, out: usize, outStride: i32): void {
  const rowBytes = <usize>k << 2;
  const panelBytes = rowBytes << 3;
  const outRowBytes = <usize>outStride << 2;
  for (let q = 0; q < nPanels; q++) {
    const panel = panels + <usize>q * panelBytes;
    const panelEnd = panel + panelBytes;
    for (let u = 0; u < nUsers; u += 4) {
      let u0 = users + <usize>u * rowBytes;
      const u1 = rowBytes;
      let acc00 = f32x4.splat(0), acc01 = f32x4.splat(0);
      let acc10 = f32x4.splat(0), acc11 = f32x4.splat(0);
      let acc20 = f32x4.splat(0), acc21 = f32x4.splat(0);
      let acc30 = f32x4.splat(0), acc31 = f32x4.splat(0);
      for (let f = panel; f < panelEnd; f += 32) {
        const lo = v128.load(f);
        const hi = v128.load(f, 16);
        const s0 = v128.load32_splat(u0);
        acc00 = madd(s0, lo, acc00);
        acc01 = madd(s0, hi, acc01);
        const s1 = v128.load32_splat(u0 + u1);
        acc10 = madd(s1, lo, acc10);
        acc11 = madd(s1, hi, acc11);
        const s2 = v128.load32_splat(u0 + 2 * u1);
        acc20 = madd(s2, lo, acc20);
        acc21 = madd(s2, hi, acc21);
        const s3 = v128.load32_splat(u0 + 3 * u1);
        acc30 = madd(s3, lo, acc30);
        acc31 = madd(s3, hi, acc31);
        u0 += 4;
      }
      const o = out + <usize>u * outRowBytes + (<usize>q << 5);
      v128.store(o, acc00);
      v128.store(o, acc01, 16);
      v128.store(o + outRowBytes, acc10);
      v128.store(o + outRowBytes, acc11, 16);
      v128.store(o + 2 * outRowBytes, acc20);
      v128.store(o + 2 * outRowBytes, acc21, 16);
      v128.store(o + 3 * outRowBytes, acc30);
      v128.store(o + 3 * outRowBytes, acc31, 16);
    }
  }
}

/** End of the module's own static data: the host lays out its buffers above this. */
export function heapBase(): usize {
  return __heap_base;
}
