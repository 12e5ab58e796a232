import { EngineError, throwIfCancelled } from '../contracts/errors.ts';
import type { TaskContext } from '../jobs/context.ts';

/**
 * The dense linear algebra of EASE in float64, in place in one n × n row-major buffer:
 *   A = XᵀX + λI (lower triangle)  →  Cholesky A = L Lᵀ (lower)  →  N = L⁻ᵀ (upper)  →  P = A⁻¹ = N Nᵀ,
 * and P is never stored: each P_ij goes straight into B_ij = −P_ij / P_jj (float32, zero diagonal).
 * Every O(n³) loop is a dot product of rows (contiguous), computed one row against four at a time
 * over column chunks that stay in cache; about n³/2 multiply-adds in all.
 */

const PANEL = 32;
const CHUNK = 256;
const ROW_BLOCK = 4;
const TILE = 64;

const sums = new Float64Array(4);

/** sums[q] = Σ_p a[x + p] · a[y_q + p] for p < len */
function dots1x4(a: Float64Array, x: number, y0: number, y1: number, y2: number, y3: number, len: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let p = 0; p < len; p++) {
    const v = a[x + p]!;
    s0 += v * a[y0 + p]!;
    s1 += v * a[y1 + p]!;
    s2 += v * a[y2 + p]!;
    s3 += v * a[y3 + p]!;
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
}

function dot(a: Float64Array, x: number, y: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let p = 0;
  for (; p + 1 < len; p += 2) {
    s0 += a[x + p]! * a[y + p]!;
    s1 += a[x + p + 1]! * a[y + p + 1]!;
  }
  if (p < len) s0 += a[x + p]! * a[y + p]!;
  return s0 + s1;
}

/** Yields to the event loop (so a cancel message can arrive), then checks for cancellation. */
async function checkpoint(ctx: TaskContext): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  throwIfCancelled(ctx.signal);
}

/**
 * Overwrites the lower triangle of a (symmetric positive definite, lower triangle given) with L,
 * left-looking by panels of columns; returns L's diagonal.
 */
export async function choleskyInPlace(a: Float64Array, n: number, ctx: TaskContext, report: (done: number) => void): Promise<Float64Array> {
  const diag = new Float64Array(n);
  for (let j0 = 0; j0 < n; j0 += PANEL) {
    const j1 = Math.min(n, j0 + PANEL);
    // the panel's columns minus the contributions of all columns left of it
    for (let p0 = 0; p0 < j0; p0 += CHUNK) {
      const len = Math.min(CHUNK, j0 - p0);
      for (let i = j0; i < n; i++) {
        const x = i * n + p0;
        for (let j = j0; j < j1; j += 4) {
          const last = j1 - 1;
          dots1x4(a, x, j * n + p0, Math.min(j + 1, last) * n + p0, Math.min(j + 2, last) * n + p0, Math.min(j + 3, last) * n + p0, len);
          for (let q = 0; q < 4 && j + q < j1; q++) a[x - p0 + j + q]! -= sums[q]!;
        }
      }
    }
    for (let j = j0; j < j1; j++) {
      const d = a[j * n + j]! - dot(a, j * n + j0, j * n + j0, j - j0);
      if (!(d > 0)) throw new EngineError('internal', `EASE: the regularised Gram matrix is not positive definite at item ${j} (pivot ${d}); use a larger lambda`, { field: 'ease.lambda' });
      const l = Math.sqrt(d);
      diag[j] = l;
      a[j * n + j] = l;
      for (let i = j + 1; i < n; i++) a[i * n + j] = (a[i * n + j]! - dot(a, i * n + j0, j * n + j0, j - j0)) / l;
    }
    report(j1);
    await checkpoint(ctx);
  }
  return diag;
}

/**
 * Writes N = L⁻ᵀ into the upper triangle (diagonal included), reading L from the lower triangle and
 * its diagonal from `diag`, then zeroes the lower triangle. Row r of N: N_rj = (δ_rj − Σ_{r≤k<j} N_rk L_jk) / L_jj.
 */
export async function inverseTransposeInPlace(a: Float64Array, n: number, diag: Float64Array, ctx: TaskContext, report: (done: number) => void): Promise<void> {
  const acc = new Float64Array(ROW_BLOCK);
  for (let b = 0; b < n; b += ROW_BLOCK) {
    const e = Math.min(n, b + ROW_BLOCK);
    const last = e - 1;
    for (let j = b; j < n; j++) {
      acc.fill(0);
      if (j > e) {
        dots1x4(a, j * n + e, b * n + e, Math.min(b + 1, last) * n + e, Math.min(b + 2, last) * n + e, Math.min(b + 3, last) * n + e, j - e);
        acc.set(sums.subarray(0, e - b));
      }
      for (let r = b; r < e && r <= j; r++) {
        let s = acc[r - b]!;
        for (let k = r; k < Math.min(e, j); k++) s += a[r * n + k]! * a[j * n + k]!;
        a[r * n + j] = ((r === j ? 1 : 0) - s) / diag[j]!;
      }
    }
    if (b % (ROW_BLOCK * 16) === 0) {
      report(b);
      await checkpoint(ctx);
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n, i * n + i);
}

/** With N upper triangular in `a` (lower triangle zero): B_ij = −P_ij / P_jj, P = N Nᵀ, zero diagonal. */
export async function easeWeightsFromFactor(a: Float64Array, n: number, out: Float32Array, ctx: TaskContext, report: (done: number) => void): Promise<void> {
  const pd = new Float64Array(n);
  for (let i = 0; i < n; i++) pd[i] = dot(a, i * n + i, i * n + i, n - i);
  const tile = new Float64Array(TILE * TILE);
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE, i1);
      const last = j1 - 1;
      tile.fill(0);
      // N_ik = 0 for k < i, so every row of the tile can start at column i0
      for (let k0 = i0; k0 < n; k0 += CHUNK) {
        const len = Math.min(CHUNK, n - k0);
        for (let i = i0; i < i1; i++) {
          const jEnd = Math.min(j1, i);
          for (let j = j0; j < jEnd; j += 4) {
            dots1x4(a, i * n + k0, j * n + k0, Math.min(j + 1, last) * n + k0, Math.min(j + 2, last) * n + k0, Math.min(j + 3, last) * n + k0, len);
            const t = (i - i0) * TILE + (j - j0);
            for (let q = 0; q < 4 && j + q < jEnd; q++) tile[t + q]! += sums[q]!;
          }
        }
      }
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < Math.min(j1, i); j++) {
          const p = tile[(i - i0) * TILE + (j - j0)]!;
          out[i * n + j] = -p / pd[j]!;
          out[j * n + i] = -p / pd[i]!;
        }
      }
    }
    for (let i = i0; i < i1; i++) out[i * n + i] = 0;
    report(i1);
    await checkpoint(ctx);
  }
}
