import { EngineError, throwIfCancelled } from '../../../common/contracts/errors.ts';
import type { Csr } from '../../data/types.ts';
import type { TaskContext } from '../../common/task-context.ts';
import { availableParallelism } from 'node:os';
import { f32View, f64View, instantiateKernel, kernelModule, MemoryPlan } from '../../common/wasm-kernel.ts';
import { AlsWorkerPool, type KernelCall } from '../als/als-pool.ts';

/**
 * EASE's dense solve in float64, in place in one n × n row-major matrix inside the WASM memory of
 * the SIMD kernel (native/ease/kernel.ts):
 *   A = XᵀX + λI (lower triangle)  →  Cholesky A = L Lᵀ (lower)  →  N = L⁻ᵀ (upper)  →  P = A⁻¹ = N Nᵀ,
 * and P is never stored: each P_ij goes straight into B_ij = −P_ij / P_jj (float32, zero diagonal).
 * About n³/2 multiply-adds in all. This thread runs the steps, reporting progress and checking for
 * cancellation between them; with more than one thread, worker threads sharing the memory take
 * equal shares of each step (rows of a Cholesky panel, rows of N, rows of tiles of B), and every
 * entry is computed by one thread with the same code, so the result does not depend on the count.
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

const TILE_BYTES = TILE * TILE * 8;
const MAX_THREADS = 8;

/** Bytes of the kernel memory for n items: the float64 matrix, float32 weights and O(n) scratch. */
export function easeKernelBytes(n: number): number {
  const plan = new MemoryPlan();
  layout(plan, n, MAX_THREADS);
  return plan.bytes;
}

function layout(plan: MemoryPlan, n: number, threads: number) {
  return { a: plan.alloc(n * n * 8), out: plan.alloc(n * n * 4), diag: plan.alloc(n * 8), pd: plan.alloc(n * 8), tiles: plan.alloc(threads * TILE_BYTES) };
}

/** 0: the machine's cores (up to 8); never more threads than blocks of 256 items to share. */
export function resolveEaseThreads(threads: number, n: number): number {
  const wanted = threads > 0 ? threads : availableParallelism();
  return Math.max(1, Math.min(wanted, MAX_THREADS, Math.floor(n / 256)));
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

/**
 * B (n × n float32, row j = what history item j adds to each item) for binary interactions `train`;
 * `threads` 0 uses the machine's cores (up to 8). Returns the weights and the threads used.
 */
export async function solveEase(train: Csr, lambda: number, threads: number, ctx: TaskContext): Promise<{ weights: Float32Array; threads: number }> {
  const n = train.nCols;
  const used = resolveEaseThreads(threads, n);
  const plan = new MemoryPlan();
  const at = layout(plan, n, used);
  const memory = plan.create('EASE');
  const k = instantiateKernel<EaseKernel>(kernelModule('ease'), memory, 'EASE');
  const a = f64View(memory, at.a, n * n);
  gramInto(a, train, lambda);
  await checkpoint(ctx);

  const pool = used > 1 ? await AlsWorkerPool.start(used, kernelModule('ease'), memory) : null;
  /** batches[t] on thread t, all at once */
  const run = async (batches: KernelCall[][]): Promise<void> => {
    if (pool) await pool.run(Array.from({ length: used }, (_, t) => batches[t] ?? []));
    else for (const call of batches.flat()) (k[call.fn as keyof EaseKernel] as (...args: number[]) => unknown)(...call.args);
  };
  const shares = (from: number, to: number) =>
    Array.from({ length: used }, (_, t) => [from + Math.floor(((to - from) * t) / used), from + Math.floor(((to - from) * (t + 1)) / used)] as const);
  const report = (phase: number, done: number) => ctx.progress({ stage: 'ease', current: phase * n + done, total: 3 * n, unit: 'step' });
  try {
    for (let j0 = 0; j0 < n; j0 += PANEL) {
      const j1 = Math.min(n, j0 + PANEL);
      await run(shares(j0, n).map(([i0, i1]) => [{ fn: 'panelUpdate', args: [at.a, n, j0, j1, i0, i1] }]));
      const bad = k.panelFactor(at.a, n, j0, j1, at.diag);
      if (bad >= 0) {
        throw new EngineError(
          'invalid-input',
          `EASE: the regularised Gram matrix is not positive definite at item ${bad} (pivot ${a[bad * n + bad]}); use a larger ease.lambda`,
          { field: 'ease.lambda' },
        );
      }
      report(0, j1);
      await checkpoint(ctx);
    }
    // rows of N cost (n − r)²: consecutive blocks of rows per thread cost about the same
    for (let r0 = 0; r0 < n; r0 += used * INVERSE_ROWS) {
      await run(
        Array.from({ length: used }, (_, t) => [
          { fn: 'inverseRows', args: [at.a, n, at.diag, Math.min(n, r0 + t * INVERSE_ROWS), Math.min(n, r0 + (t + 1) * INVERSE_ROWS)] },
        ]),
      );
      report(1, Math.min(n, r0 + used * INVERSE_ROWS));
      await checkpoint(ctx);
    }
    k.clearLower(at.a, n);
    k.rowNorms(at.a, n, at.pd);
    for (let i0 = 0; i0 < n; i0 += used * TILE) {
      const rows = Array.from({ length: used }, (_, t) => i0 + t * TILE).filter((r) => r < n);
      await run(rows.map((r, t) => [{ fn: 'weightsTileRow', args: [at.a, n, at.pd, at.out, r, at.tiles + t * TILE_BYTES] }]));
      report(2, Math.min(n, i0 + used * TILE));
      await checkpoint(ctx);
    }
  } finally {
    await pool?.close();
  }
  return { weights: f32View(memory, at.out, n * n), threads: used };
}
