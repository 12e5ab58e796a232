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
  const end = a + ((<usize>k) << 2);
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
  const end = x + ((<usize>k) << 2);
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
 * out = G v + reg v, for symmetric k x k G (so G v = sum_a v[a] G[a,:]). 16 output lanes at a time
 * accumulate in registers: wider blocks ran out of V8's 15 vector registers and spilled accumulators.
 */
function symv(g: usize, v: usize, reg: f32, out: usize, k: i32): void {
  const rowBytes = (<usize>k) << 2;
  const sr = f32x4.splat(reg);
  for (let cb: usize = 0; cb < rowBytes; cb += 64) {
    let acc0 = f32x4.mul(sr, v128.load(v + cb));
    let acc1 = f32x4.mul(sr, v128.load(v + cb, 16));
    let acc2 = f32x4.mul(sr, v128.load(v + cb, 32));
    let acc3 = f32x4.mul(sr, v128.load(v + cb, 48));
    let row = g + cb;
    const vEnd = v + rowBytes;
    for (let a = v; a < vEnd; a += 4) {
      const s = v128.load32_splat(a);
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

/**
 * symv for two vectors at once: out0 = G v0 + reg v0, out1 = G v1 + reg v1, each lane summed in the same
 * order as symv (so with the same result). The two share each load of G, and their eight accumulator
 * chains keep the FMA units busier than symv's four.
 */
function symv2(g: usize, v0: usize, v1: usize, reg: f32, out0: usize, out1: usize, k: i32): void {
  const rowBytes = (<usize>k) << 2;
  const sr = f32x4.splat(reg);
  for (let cb: usize = 0; cb < rowBytes; cb += 64) {
    let acc0 = f32x4.mul(sr, v128.load(v0 + cb));
    let acc1 = f32x4.mul(sr, v128.load(v0 + cb, 16));
    let acc2 = f32x4.mul(sr, v128.load(v0 + cb, 32));
    let acc3 = f32x4.mul(sr, v128.load(v0 + cb, 48));
    let acc4 = f32x4.mul(sr, v128.load(v1 + cb));
    let acc5 = f32x4.mul(sr, v128.load(v1 + cb, 16));
    let acc6 = f32x4.mul(sr, v128.load(v1 + cb, 32));
    let acc7 = f32x4.mul(sr, v128.load(v1 + cb, 48));
    let row = g + cb;
    for (let a: usize = 0; a < rowBytes; a += 4) {
      const s0 = v128.load32_splat(v0 + a);
      const s1 = v128.load32_splat(v1 + a);
      const b0 = v128.load(row);
      const b1 = v128.load(row, 16);
      const b2 = v128.load(row, 32);
      const b3 = v128.load(row, 48);
      acc0 = madd(s0, b0, acc0);
      acc1 = madd(s0, b1, acc1);
      acc2 = madd(s0, b2, acc2);
      acc3 = madd(s0, b3, acc3);
      acc4 = madd(s1, b0, acc4);
      acc5 = madd(s1, b1, acc5);
      acc6 = madd(s1, b2, acc6);
      acc7 = madd(s1, b3, acc7);
      row += rowBytes;
    }
    v128.store(out0 + cb, acc0);
    v128.store(out0 + cb, acc1, 16);
    v128.store(out0 + cb, acc2, 32);
    v128.store(out0 + cb, acc3, 48);
    v128.store(out1 + cb, acc4);
    v128.store(out1 + cb, acc5, 16);
    v128.store(out1 + cb, acc6, 32);
    v128.store(out1 + cb, acc7, 48);
  }
}

function rowOf(y: usize, indices: usize, e: i32, rowBytes: usize): usize {
  return y + <usize>load<i32>(indices + ((<usize>e) << 2)) * rowBytes;
}

/** [hsum(s0), hsum(s1), hsum(s2), hsum(s3)] by a transpose-and-add. */
function sums4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const u01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const u23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
}

/** The four dot products [v.y0, v.y1, v.y2, v.y3]: they share each load of v and run as eight independent chains. */
function dots4(v: usize, y0: usize, y1: usize, y2: usize, y3: usize, rowBytes: usize): v128 {
  let a0 = f32x4.splat(0),
    b0 = f32x4.splat(0);
  let a1 = f32x4.splat(0),
    b1 = f32x4.splat(0);
  let a2 = f32x4.splat(0),
    b2 = f32x4.splat(0);
  let a3 = f32x4.splat(0),
    b3 = f32x4.splat(0);
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
 * out += (base * (1 + c1) + sign * c1 * (y_e . v)) y_e, and with dots set, dots[e - start] = y_e . v.
 * Entries go four at a time: the four dot products share each load of v, and out is read and written
 * once per four rows (blocks of eight ran short of registers under V8 and were slower).
 */
function accumulateRows(v: usize, out: usize, y: usize, indices: usize, cm1: usize, start: i32, end: i32, k: i32, base: f32, sign: f32, dots: usize): void {
  const rowBytes = (<usize>k) << 2;
  const one = f32x4.splat(1);
  const baseV = f32x4.splat(base);
  const signV = f32x4.splat(sign);
  let e = start;
  for (; e + 4 <= end; e += 4) {
    const y0 = rowOf(y, indices, e, rowBytes);
    const y1 = rowOf(y, indices, e + 1, rowBytes);
    const y2 = rowOf(y, indices, e + 2, rowBytes);
    const y3 = rowOf(y, indices, e + 3, rowBytes);
    const d = dots4(v, y0, y1, y2, y3, rowBytes);
    if (dots) v128.store(dots + ((<usize>(e - start)) << 2), d);
    const c1 = v128.load(cm1 + ((<usize>e) << 2));
    axpy4(madd(f32x4.mul(signV, c1), d, f32x4.mul(baseV, f32x4.add(one, c1))), y0, y1, y2, y3, out, rowBytes);
  }
  for (; e < end; e++) {
    const yj = rowOf(y, indices, e, rowBytes);
    const c1 = load<f32>(cm1 + ((<usize>e) << 2));
    const d = dot(yj, v, k);
    if (dots) store<f32>(dots + ((<usize>(e - start)) << 2), d);
    axpy(base * (1 + c1) + sign * c1 * d, yj, out, k);
  }
}

/** v *= s */
function scale(v: usize, s: f32, k: i32): void {
  const sv = f32x4.splat(s);
  const end = v + ((<usize>k) << 2);
  for (; v < end; v += 16) v128.store(v, f32x4.mul(sv, v128.load(v)));
}

/** out = a + beta * out */
function xpby(a: usize, beta: f32, out: usize, k: i32): void {
  const s = f32x4.splat(beta);
  const end = a + ((<usize>k) << 2);
  while (a < end) {
    v128.store(out, madd(s, v128.load(out), v128.load(a)));
    v128.store(out, madd(s, v128.load(out, 16), v128.load(a, 16)), 16);
    v128.store(out, madd(s, v128.load(out, 32), v128.load(a, 32)), 32);
    v128.store(out, madd(s, v128.load(out, 48), v128.load(a, 48)), 48);
    a += 64;
    out += 64;
  }
}

/** q[0..n) += alpha * t[0..n) */
function axpyEntries(alpha: f32, t: usize, q: usize, n: i32): void {
  const s = f32x4.splat(alpha);
  const end = q + ((<usize>n) << 2);
  for (; q + 16 <= end; q += 16, t += 16) v128.store(q, madd(s, v128.load(t), v128.load(q)));
  for (; q < end; q += 4, t += 4) store<f32>(q, alpha * load<f32>(t) + load<f32>(q));
}

/**
 * One row under conjugate gradient: x_u, its observed entries [start, end), and its state at st: r, p and
 * Ap (k floats each), then, when the loss is kept, q and t (n = end - start floats each, rounded up to 4).
 * q[e - start] ends as y_e . x_u for the updated x_u, kept up to date from the passes' dot products
 * (t: the latest step's y_e . p).
 */
@unmanaged
class Row {
  xu: usize = 0;
  start: i32 = 0;
  end: i32 = 0;
  st: usize = 0;
  q: usize = 0;
  /** the current r . r; 0 once the row has converged (then it takes no further steps) */
  rs: f32 = 0;
}

function stateBytes(k: i32, n: i32, withLoss: bool): usize {
  return 3 * ((<usize>k) << 2) + (withLoss ? ((<usize>(n + 3)) & ~3) << 3 : 0);
}

/** After r = (G + reg I) x_u: r = Y^T C_u p_u - A x_u = -(G + reg I) x_u + sum_j (c_j - (c_j - 1) y_j.x_u) y_j, p = r. */
function cgStart(row: Row, y: usize, indices: usize, cm1: usize, k: i32): void {
  const rowBytes = (<usize>k) << 2;
  const r = row.st;
  scale(r, -1, k);
  accumulateRows(row.xu, r, y, indices, cm1, row.start, row.end, k, 1, -1, row.q);
  memory.copy(r + rowBytes, r, rowBytes);
  const rs = dot(r, r, k);
  row.rs = rs < 1e-20 ? 0 : rs;
}

/** After Ap = (G + reg I) p: completes Ap and takes the step. */
function cgStep(row: Row, y: usize, indices: usize, cm1: usize, k: i32): void {
  const rowBytes = (<usize>k) << 2;
  const r = row.st;
  const p = r + rowBytes;
  const ap = p + rowBytes;
  const n = row.end - row.start;
  const t: usize = row.q ? row.q + (((<usize>(n + 3)) & ~3) << 2) : 0;
  accumulateRows(p, ap, y, indices, cm1, row.start, row.end, k, 0, 1, t);
  const rsOld = row.rs;
  const alpha = rsOld / dot(p, ap, k);
  axpy(alpha, p, row.xu, k);
  if (t) axpyEntries(alpha, t, row.q, n);
  axpy(-alpha, ap, r, k);
  const rsNew = dot(r, r, k);
  if (rsNew < 1e-20) {
    row.rs = 0;
    return;
  }
  xpby(r, rsNew / rsOld, p, k);
  row.rs = rsNew;
}

/**
 * Conjugate-gradient update of x_u against the fixed other side Y (Takács et al. 2011, as implicit's
 * least_squares_cg): solves (G + Y^T (C_u - I) Y + reg I) x_u = Y^T C_u p_u starting from the current
 * x_u, with G = Y^T Y: one pass over the entries' rows for the residual and one per step. Rows a and b
 * (b.xu = 0: a alone) go in lockstep so that each product with G serves both (symv2); each stops on its
 * own once converged, so a row's result does not depend on its partner.
 */
function conjugateGradient(a: Row, b: Row, y: usize, g: usize, indices: usize, cm1: usize, k: i32, reg: f32, cgSteps: i32): void {
  const rowBytes = (<usize>k) << 2;
  if (b.xu) {
    symv2(g, a.xu, b.xu, reg, a.st, b.st, k);
    cgStart(a, y, indices, cm1, k);
    cgStart(b, y, indices, cm1, k);
  } else {
    symv(g, a.xu, reg, a.st, k);
    cgStart(a, y, indices, cm1, k);
    b.rs = 0;
  }
  for (let step = 0; step < cgSteps; step++) {
    if (a.rs != 0 && b.rs != 0) {
      symv2(g, a.st + rowBytes, b.st + rowBytes, reg, a.st + 2 * rowBytes, b.st + 2 * rowBytes, k);
    } else if (a.rs != 0) {
      symv(g, a.st + rowBytes, reg, a.st + 2 * rowBytes, k);
    } else if (b.rs != 0) {
      symv(g, b.st + rowBytes, reg, b.st + 2 * rowBytes, k);
    } else {
      return;
    }
    if (a.rs != 0) cgStep(a, y, indices, cm1, k);
    if (b.rs != 0) cgStep(b, y, indices, cm1, k);
  }
}

/**
 * The observed-entry terms of the implicit-ALS objective for one row: sum over its n entries of
 * c (1 - p)^2 - p^2, with c = 1 + cm1[e] and p = q[e] = x_u . y_e (the host adds p^2 summed over all
 * pairs as trace(X^T X Y^T Y)).
 */
function observedLoss(q: usize, cm1: usize, n: i32): f64 {
  const one = f32x4.splat(1);
  let acc = f32x4.splat(0);
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const p = v128.load(q + ((<usize>e) << 2));
    const c = f32x4.add(one, v128.load(cm1 + ((<usize>e) << 2)));
    const miss = f32x4.sub(one, p);
    acc = f32x4.add(acc, f32x4.sub(f32x4.mul(c, f32x4.mul(miss, miss)), f32x4.mul(p, p)));
  }
  let loss: f64 = <f64>hsum(acc);
  for (; e < n; e++) {
    const c: f64 = 1 + <f64>load<f32>(cm1 + ((<usize>e) << 2));
    const p: f64 = <f64>load<f32>(q + ((<usize>e) << 2));
    loss += c * (1 - p) * (1 - p) - p * p;
  }
  return loss;
}

/**
 * Updates rows [r0, r1) of X by conjugate gradient (see conjugateGradient). With withLoss set it also
 * returns the observed-entry loss terms of the updated rows, from the dot products the CG passes keep
 * (no extra pass over the rows); otherwise 0. The sparse row u lists the observed columns and
 * cm1 = c - 1 per entry. Rows go in pairs (see conjugateGradient). scratch holds 128 bytes, then two row
 * states (see Row) of 3k floats each, plus, with withLoss, 2 (d + 4) floats each for rows of up to d entries.
 */
export function solveRows(
  x: usize,
  y: usize,
  g: usize,
  indptr: usize,
  indices: usize,
  cm1: usize,
  r0: i32,
  r1: i32,
  k: i32,
  reg: f32,
  cgSteps: i32,
  scratch: usize,
  withLoss: bool,
): f64 {
  const rowBytes = (<usize>k) << 2;
  const a = changetype<Row>(scratch);
  const b = changetype<Row>(scratch + 64);
  const states = scratch + 128;
  let loss: f64 = 0;
  let u = r0;
  while (u < r1) {
    const start = load<i32>(indptr + ((<usize>u) << 2));
    const end = load<i32>(indptr + ((<usize>(u + 1)) << 2));
    if (start == end) {
      // (G + reg I) x = 0 is solved by 0; iterating towards it would only shrink x into slow subnormals
      memory.fill(x + <usize>u * rowBytes, 0, rowBytes);
      u++;
      continue;
    }
    a.xu = x + <usize>u * rowBytes;
    a.start = start;
    a.end = end;
    a.st = states;
    a.q = withLoss ? states + 3 * rowBytes : 0;
    const bEnd = u + 1 < r1 ? load<i32>(indptr + ((<usize>(u + 2)) << 2)) : end;
    if (bEnd > end) {
      b.xu = a.xu + rowBytes;
      b.start = end;
      b.end = bEnd;
      b.st = states + stateBytes(k, end - start, withLoss);
      b.q = withLoss ? b.st + 3 * rowBytes : 0;
    } else {
      b.xu = 0;
    }
    conjugateGradient(a, b, y, g, indices, cm1, k, reg, cgSteps);
    if (withLoss) {
      loss += observedLoss(a.q, cm1 + ((<usize>start) << 2), end - start);
      if (b.xu) loss += observedLoss(b.q, cm1 + ((<usize>end) << 2), bEnd - end);
    }
    u += b.xu ? 2 : 1;
  }
  return loss;
}

/**
 * out (k x k) = sum over rows [r0, r1) of a a^T. Rows go through in chunks that stay in L1 while the
 * 16-lane blocks of two output rows accumulate in registers (sharing each load of a row). Only blocks on
 * or right of the diagonal are summed; the rest is mirrored at the end (the same products, so the same values).
 */
export function gram(a: usize, r0: i32, r1: i32, k: i32, out: usize): void {
  const rowBytes = (<usize>k) << 2;
  memory.fill(out, 0, rowBytes * <usize>k);
  const CHUNK = 32;
  for (let c0 = r0; c0 < r1; c0 += CHUNK) {
    const c1 = min(c0 + CHUNK, r1);
    const base = a + <usize>c0 * rowBytes;
    const limit = a + <usize>c1 * rowBytes;
    // i: byte offset of the first of two output rows' factor (k is even, 16 | k: both sit in one block)
    for (let i: usize = 0; i < rowBytes; i += 8) {
      const out0 = out + i * <usize>k;
      const out1 = out0 + rowBytes;
      for (let cb: usize = (i >> 6) << 6; cb < rowBytes; cb += 64) {
        let acc0 = v128.load(out0 + cb);
        let acc1 = v128.load(out0 + cb, 16);
        let acc2 = v128.load(out0 + cb, 32);
        let acc3 = v128.load(out0 + cb, 48);
        let acc4 = v128.load(out1 + cb);
        let acc5 = v128.load(out1 + cb, 16);
        let acc6 = v128.load(out1 + cb, 32);
        let acc7 = v128.load(out1 + cb, 48);
        for (let row = base; row < limit; row += rowBytes) {
          const s0 = v128.load32_splat(row + i);
          const s1 = v128.load32_splat(row + i, 4);
          const b0 = v128.load(row + cb);
          const b1 = v128.load(row + cb, 16);
          const b2 = v128.load(row + cb, 32);
          const b3 = v128.load(row + cb, 48);
          acc0 = madd(s0, b0, acc0);
          acc1 = madd(s0, b1, acc1);
          acc2 = madd(s0, b2, acc2);
          acc3 = madd(s0, b3, acc3);
          acc4 = madd(s1, b0, acc4);
          acc5 = madd(s1, b1, acc5);
          acc6 = madd(s1, b2, acc6);
          acc7 = madd(s1, b3, acc7);
        }
        v128.store(out0 + cb, acc0);
        v128.store(out0 + cb, acc1, 16);
        v128.store(out0 + cb, acc2, 32);
        v128.store(out0 + cb, acc3, 48);
        v128.store(out1 + cb, acc4);
        v128.store(out1 + cb, acc5, 16);
        v128.store(out1 + cb, acc6, 32);
        v128.store(out1 + cb, acc7, 48);
      }
    }
  }
  for (let i = 16; i < k; i++) {
    for (let j = 0; j < (i & ~15); j++) store<f32>(out + ((<usize>i * k + j) << 2), load<f32>(out + ((<usize>j * k + i) << 2)));
  }
}

/**
 * Dot products of nUsers user rows (a multiple of 4, row stride k) with every item, items packed in
 * panels of 8: panel q holds, for each factor f, the f-th factor of items 8q..8q+7. out row u, column
 * 8q+t receives user u . item 8q+t (row stride outStride floats). Each panel is reused from L1 by all
 * users; each 4 x 8 tile accumulates in registers.
 */
export function scoreUsers(users: usize, nUsers: i32, panels: usize, nPanels: i32, k: i32, out: usize, outStride: i32): void {
  const rowBytes = (<usize>k) << 2;
  const panelBytes = rowBytes << 3;
  const outRowBytes = (<usize>outStride) << 2;
  for (let q = 0; q < nPanels; q++) {
    const panel = panels + <usize>q * panelBytes;
    const panelEnd = panel + panelBytes;
    for (let u = 0; u < nUsers; u += 4) {
      let u0 = users + <usize>u * rowBytes;
      const u1 = rowBytes;
      let acc00 = f32x4.splat(0),
        acc01 = f32x4.splat(0);
      let acc10 = f32x4.splat(0),
        acc11 = f32x4.splat(0);
      let acc20 = f32x4.splat(0),
        acc21 = f32x4.splat(0);
      let acc30 = f32x4.splat(0),
        acc31 = f32x4.splat(0);
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
      const o = out + <usize>u * outRowBytes + ((<usize>q) << 5);
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
