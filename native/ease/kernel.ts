// AssemblyScript: the O(n³) loops of EASE's dense solve, in float64 with SIMD (two lanes).
// Works on raw pointers into one memory the host lays out: `a` is an n × n row-major float64
// matrix; the host runs the steps in order (recsys/ease/ease-solve.ts) and owns progress and cancellation.
// Every long loop is a dot product of contiguous rows, four at a time against one row, over
// column chunks short enough that the four rows stay in the first-level cache.

const CHUNK: i32 = 256;
const TILE: i32 = 64;

let s0: f64 = 0;
let s1: f64 = 0;
let s2: f64 = 0;
let s3: f64 = 0;

function madd(a: v128, b: v128, c: v128): v128 {
  return f64x2.relaxed_madd(a, b, c);
}

function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** s_q = Σ_{p<len} x[p]·y_q[p] (byte pointers to float64) */
function dots4(x: usize, y0: usize, y1: usize, y2: usize, y3: usize, len: i32): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  const pairs = (<usize>(len >> 1)) << 4;
  for (let p: usize = 0; p < pairs; p += 16) {
    const v = v128.load(x + p);
    a0 = madd(v, v128.load(y0 + p), a0);
    a1 = madd(v, v128.load(y1 + p), a1);
    a2 = madd(v, v128.load(y2 + p), a2);
    a3 = madd(v, v128.load(y3 + p), a3);
  }
  s0 = hsum(a0);
  s1 = hsum(a1);
  s2 = hsum(a2);
  s3 = hsum(a3);
  if (len & 1) {
    const v = load<f64>(x + pairs);
    s0 += v * load<f64>(y0 + pairs);
    s1 += v * load<f64>(y1 + pairs);
    s2 += v * load<f64>(y2 + pairs);
    s3 += v * load<f64>(y3 + pairs);
  }
}

function dot(x: usize, y: usize, len: i32): f64 {
  let acc = f64x2.splat(0);
  const pairs = (<usize>(len >> 1)) << 4;
  for (let p: usize = 0; p < pairs; p += 16) acc = madd(v128.load(x + p), v128.load(y + p), acc);
  let s = hsum(acc);
  if (len & 1) s += load<f64>(x + pairs) * load<f64>(y + pairs);
  return s;
}

function at(a: usize, n: i32, i: i32, j: i32): usize {
  return a + ((<usize>i * <usize>n + <usize>j) << 3);
}

function sumOf(q: i32): f64 {
  return q == 0 ? s0 : q == 1 ? s1 : q == 2 ? s2 : s3;
}

/**
 * Cholesky, left-looking: columns j0..j1 of rows i0..i1 (i0 ≥ j0) minus the contributions of
 * columns 0..j0 (already factored): a_ij −= L_i,:j0 · L_j,:j0.
 */
export function panelUpdate(a: usize, n: i32, j0: i32, j1: i32, i0: i32, i1: i32): void {
  const last = j1 - 1;
  for (let p0 = 0; p0 < j0; p0 += CHUNK) {
    const len = min(CHUNK, j0 - p0);
    for (let i = i0; i < i1; i++) {
      const x = at(a, n, i, p0);
      for (let j = j0; j < j1; j += 4) {
        dots4(x, at(a, n, j, p0), at(a, n, min(j + 1, last), p0), at(a, n, min(j + 2, last), p0), at(a, n, min(j + 3, last), p0), len);
        for (let q = 0; q < 4 && j + q < j1; q++) {
          const t = at(a, n, i, j + q);
          store<f64>(t, load<f64>(t) - sumOf(q));
        }
      }
    }
  }
}

/**
 * Cholesky of the panel's columns j0..j1 (after panelUpdate): L below the diagonal, L_jj on it and in
 * diag. Returns −1, or the first column whose pivot is not positive (its value left in the diagonal).
 */
export function panelFactor(a: usize, n: i32, j0: i32, j1: i32, diag: usize): i32 {
  for (let j = j0; j < j1; j++) {
    const rowJ = at(a, n, j, j0);
    const d = load<f64>(at(a, n, j, j)) - dot(rowJ, rowJ, j - j0);
    if (!(d > 0)) {
      store<f64>(at(a, n, j, j), d);
      return j;
    }
    const l = Math.sqrt(d);
    store<f64>(diag + ((<usize>j) << 3), l);
    store<f64>(at(a, n, j, j), l);
    for (let i = j + 1; i < n; i++) {
      const t = at(a, n, i, j);
      store<f64>(t, (load<f64>(t) - dot(at(a, n, i, j0), rowJ, j - j0)) / l);
    }
  }
  return -1;
}

/**
 * Rows r0..r1 of N = L⁻ᵀ into the upper triangle, four rows at a time:
 * N_rj = (δ_rj − Σ_{r≤k<j} N_rk L_jk) / L_jj, with L below the diagonal and its diagonal in diag.
 * Rows are independent of each other, so ranges of rows may run on different threads.
 */
export function inverseRows(a: usize, n: i32, diag: usize, r0: i32, r1: i32): void {
  for (let b = r0; b < r1; b += 4) {
    const e = min(r1, b + 4);
    const last = e - 1;
    for (let j = b; j < n; j++) {
      s0 = 0;
      s1 = 0;
      s2 = 0;
      s3 = 0;
      if (j > e) dots4(at(a, n, j, e), at(a, n, b, e), at(a, n, min(b + 1, last), e), at(a, n, min(b + 2, last), e), at(a, n, min(b + 3, last), e), j - e);
      const lj = load<f64>(diag + ((<usize>j) << 3));
      for (let r = b; r < e && r <= j; r++) {
        let s = sumOf(r - b);
        const kEnd = min(e, j);
        for (let k = r; k < kEnd; k++) s += load<f64>(at(a, n, r, k)) * load<f64>(at(a, n, j, k));
        store<f64>(at(a, n, r, j), (f64(r == j ? 1 : 0) - s) / lj);
      }
    }
  }
}

/** pd_i = Σ_k N_ik² (the diagonal of P = N Nᵀ), N upper triangular. */
export function rowNorms(a: usize, n: i32, pd: usize): void {
  for (let i = 0; i < n; i++) {
    const x = at(a, n, i, i);
    store<f64>(pd + ((<usize>i) << 3), dot(x, x, n - i));
  }
}

/**
 * B for the item rows of tile row i0..i0+TILE (i0 a multiple of TILE) against every column tile
 * left of and on the diagonal: P_ij = N_i · N_j (N upper, zero below the diagonal), then
 * B_ij = −P_ij / P_jj and B_ji = −P_ij / P_ii into `out` (n × n float32), and B_ii = 0.
 * `tile` is TILE² float64 of scratch. Tile rows are independent of each other.
 */
export function weightsTileRow(a: usize, n: i32, pd: usize, out: usize, i0: i32, tile: usize): void {
  const i1 = min(n, i0 + TILE);
  for (let j0 = 0; j0 <= i0; j0 += TILE) {
    const j1 = min(min(n, j0 + TILE), i1);
    const last = j1 - 1;
    memory.fill(tile, 0, (<usize>(TILE * TILE)) << 3);
    for (let k0 = i0; k0 < n; k0 += CHUNK) {
      const len = min(CHUNK, n - k0);
      for (let i = i0; i < i1; i++) {
        const jEnd = min(j1, i);
        const x = at(a, n, i, k0);
        for (let j = j0; j < jEnd; j += 4) {
          dots4(x, at(a, n, j, k0), at(a, n, min(j + 1, last), k0), at(a, n, min(j + 2, last), k0), at(a, n, min(j + 3, last), k0), len);
          const t = tile + ((<usize>((i - i0) * TILE + (j - j0))) << 3);
          for (let q = 0; q < 4 && j + q < jEnd; q++) {
            const tq = t + ((<usize>q) << 3);
            store<f64>(tq, load<f64>(tq) + sumOf(q));
          }
        }
      }
    }
    for (let i = i0; i < i1; i++) {
      const pi = load<f64>(pd + ((<usize>i) << 3));
      for (let j = j0; j < min(j1, i); j++) {
        const p = load<f64>(tile + ((<usize>((i - i0) * TILE + (j - j0))) << 3));
        store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), f32(-p / load<f64>(pd + ((<usize>j) << 3))));
        store<f32>(out + ((<usize>j * <usize>n + <usize>i) << 2), f32(-p / pi));
      }
    }
  }
  for (let i = i0; i < i1; i++) store<f32>(out + ((<usize>i * <usize>n + <usize>i) << 2), 0);
}

/** Zeroes the strict lower triangle (L is no longer needed once N is written). */
export function clearLower(a: usize, n: i32): void {
  for (let i = 1; i < n; i++) memory.fill(at(a, n, i, 0), 0, (<usize>i) << 3);
}

export function heapBase(): usize {
  return __heap_base;
}
