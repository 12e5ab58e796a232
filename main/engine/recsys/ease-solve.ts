import { EngineError, throwIfCancelled } from '../contracts/errors.ts';
import type { Csr } from '../data/types.ts';
import type { TaskContext } from '../jobs/context.ts';
import { f32View, f64View, instantiateKernel, kernelModule, MemoryPlan } from './als-kernel.ts';

/**
 * EASE's dense solve in float64, in place in one n × n row-major matrix inside the WASM memory of
 * the SIMD kernel (native/ease/kernel.ts):
 *   A = XᵀX + λI (lower triangle)  →  Cholesky A = L Lᵀ (lower)  →  N = L⁻ᵀ (upper)  →  P = A⁻¹ = N Nᵀ,
 * and P is never stored: each P_ij goes straight into B_ij = −P_ij / P_jj (float32, zero diagonal).
 * About n³/2 multiply-adds in all. This thread calls the kernel step by step, reporting progress and
 * checking for cancellation between steps.
 */

interface EaseKernel {
  panelUpdate(a: number, n: number, j0: number, j1: number, i0: number, i1: number): void;
  panelFactor(a: number, n: number, j0: number, j1: number, diag: number): number;
  inverseRows(a: number, n: number, diag: number, r0: number, r1: number): void;
  clearLower(a: number, n: number): void;
  rowNorms(a: number, n: number, pd: number): void;
  weightsTileRow(a: number, n: number, pd: number, out: number, i0: number, tile: number): void;
  heapBase(): number;
}

/** must match native/ease/kernel.ts */
const TILE = 64;
const PANEL = 32;
const INVERSE_ROWS = 64;

/** Bytes of the kernel memory for n items: the float64 matrix, float32 weights and O(n) scratch. */
export function easeKernelBytes(n: number): number {
  const plan = new MemoryPlan();
  layout(plan, n);
  return plan.bytes;
}

function layout(plan: MemoryPlan, n: number) {
  return { a: plan.alloc(n * n * 8), out: plan.alloc(n * n * 4), diag: plan.alloc(n * 8), pd: plan.alloc(n * 8), tile: plan.alloc(TILE * TILE * 8) };
}

/** XᵀX + λI into the lower triangle of a (binary X: each user–item pair counts once). */
function gramInto(a: Float64Array, train: Csr, lambda: number): void {
  const n = train.nCols;
  for (let u = 0; u < train.nRows; u++) {
    const end = train.indptr[u + 1]!;
    for (let p = train.indptr[u]!; p < end; p++) {
      const row = train.indices[p]! * n;
      // column indices ascend within a row, so indices[q] < indices[p] for q < p
      for (let q = train.indptr[u]!; q < p; q++) a[row + train.indices[q]!]! += 1;
      a[row + train.indices[p]!]! += 1;
    }
  }
  for (let i = 0; i < n; i++) a[i * n + i]! += lambda;
}

/** Yields to the event loop (so a cancel message can arrive), then checks for cancellation. */
async function checkpoint(ctx: TaskContext): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  throwIfCancelled(ctx.signal);
}

/** B (n × n float32, row j = what history item j adds to each item) for binary interactions `train`. */
export async function solveEase(train: Csr, lambda: number, ctx: TaskContext): Promise<Float32Array> {
  const n = train.nCols;
  const plan = new MemoryPlan();
  const at = layout(plan, n);
  const memory = plan.create('EASE');
  const k = instantiateKernel<EaseKernel>(kernelModule('ease'), memory, 'EASE');
  const a = f64View(memory, at.a, n * n);
  gramInto(a, train, lambda);
  await checkpoint(ctx);

  const report = (phase: number, done: number) => ctx.progress({ stage: 'ease', current: phase * n + done, total: 3 * n, unit: 'step' });
  for (let j0 = 0; j0 < n; j0 += PANEL) {
    const j1 = Math.min(n, j0 + PANEL);
    k.panelUpdate(at.a, n, j0, j1, j0, n);
    const bad = k.panelFactor(at.a, n, j0, j1, at.diag);
    if (bad >= 0) {
      throw new EngineError('invalid-input', `EASE: the regularised Gram matrix is not positive definite at item ${bad} (pivot ${a[bad * n + bad]}); use a larger ease.lambda`, { field: 'ease.lambda' });
    }
    report(0, j1);
    await checkpoint(ctx);
  }
  for (let r0 = 0; r0 < n; r0 += INVERSE_ROWS) {
    const r1 = Math.min(n, r0 + INVERSE_ROWS);
    k.inverseRows(at.a, n, at.diag, r0, r1);
    report(1, r1);
    await checkpoint(ctx);
  }
  k.clearLower(at.a, n);
  k.rowNorms(at.a, n, at.pd);
  for (let i0 = 0; i0 < n; i0 += TILE) {
    k.weightsTileRow(at.a, n, at.pd, at.out, i0, at.tile);
    report(2, Math.min(n, i0 + TILE));
    await checkpoint(ctx);
  }
  return f32View(memory, at.out, n * n);
}
