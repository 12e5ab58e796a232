import { availableParallelism } from 'node:os';
import { EngineError, throwIfCancelled } from '../../../common/contracts/errors.ts';
import type { Csr } from '../../data/types.ts';
import type { TaskContext } from '../../common/task-context.ts';
import { normalStream } from '../../common/random.ts';
import type { AlsModel, AlsParams } from './als.ts';
import { alsKernelModule, f32View, i32View, MemoryPlan, paddedFactors, type WasmMemory } from './als-kernel.ts';
import { extractFactors, initFactors, maxDegree, partitionRows, planLayout, writeMatrices, type Layout, type Side } from './als-layout.ts';
import { AlsWorkerPool } from './als-pool.ts';

/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with the conjugate-gradient row solver (Takács et al.
 * 2011), structured as setup → iterations (users half-step, items half-step, loss) → finalize. The kernel
 * calls run on `threads` workers sharing one WebAssembly memory: solves over row chunks the workers share
 * out as they go, grams over one fixed row slice per worker.
 */

const MAX_THREADS = 64;

export function validateAlsParams(p: AlsParams): void {
  const bad = (field: string, rule: string): never => {
    throw new EngineError('invalid-input', `ALS parameter ${field} = ${String(p[field as keyof AlsParams])}: ${rule}`, { field });
  };
  const isInt = (v: number): boolean => Number.isInteger(v);
  if (!isInt(p.factors) || p.factors < 1 || p.factors > 1024) bad('factors', 'use a whole number from 1 to 1024');
  if (!Number.isFinite(p.regularization) || p.regularization < 0) bad('regularization', 'use a number >= 0');
  if (!Number.isFinite(p.alpha) || p.alpha < 0) bad('alpha', 'use a number >= 0');
  if (p.confidence !== 'linear' && p.confidence !== 'log') bad('confidence', "use 'linear' or 'log'");
  if (!Number.isFinite(p.eps) || p.eps <= 0) bad('eps', 'use a number > 0');
  if (!isInt(p.iterations) || p.iterations < 1) bad('iterations', 'use a whole number >= 1');
  if (!isInt(p.cgSteps) || p.cgSteps < 1) bad('cgSteps', 'use a whole number >= 1');
  if (!Number.isSafeInteger(p.seed)) bad('seed', 'use a whole number');
  if (!isInt(p.threads) || p.threads < 0 || p.threads > MAX_THREADS) bad('threads', `use a whole number from 0 (all cores) to ${MAX_THREADS}`);
}

function validateCsr(m: Csr): void {
  const bad = (message: string): never => {
    throw new EngineError('invalid-input', `ALS user-item matrix: ${message}`);
  };
  if (!Number.isInteger(m.nRows) || m.nRows < 1 || !Number.isInteger(m.nCols) || m.nCols < 1)
    bad(`needs at least one user and one item (got ${m.nRows} x ${m.nCols})`);
  if (m.indptr.length !== m.nRows + 1 || m.indptr[0] !== 0) bad('indptr must have nRows + 1 entries starting at 0');
  const nnz = m.indptr[m.nRows]!;
  if (m.indices.length < nnz || m.data.length < nnz) bad(`indptr ends at ${nnz} but indices/data are shorter`);
  for (let r = 0; r < m.nRows; r++) if (m.indptr[r + 1]! < m.indptr[r]!) bad(`indptr decreases at row ${r}`);
  for (let e = 0; e < nnz; e++) {
    const c = m.indices[e]!;
    if (c < 0 || c >= m.nCols) bad(`item index ${c} at entry ${e} is outside 0..${m.nCols - 1}`);
    const v = m.data[e]!;
    if (!(v >= 0) || v === Infinity) bad(`interaction value ${v} at entry ${e} must be a finite number >= 0`);
  }
}

function resolveThreads(threads: number): number {
  return threads > 0 ? threads : Math.min(availableParallelism(), 8);
}

/**
 * Solve chunks per worker: enough that the workers finish a half-step together (the last chunk taken
 * is short), and that each worker calls the kernel several times (WebAssembly code starts in V8's
 * baseline tier and is optimised for the *next* call of a hot function).
 */
const CHUNKS_PER_THREAD = 32;

interface HalfStep {
  /** gram of the side just solved, as now set in the kernel memory */
  gram: Float64Array;
  /** observed-entry loss terms summed over the solved rows (0 unless asked for) */
  observedLoss: number;
}

class AlsTrainer {
  private readonly memory: WasmMemory;
  private readonly pool: AlsWorkerPool;
  private readonly lay: Layout;
  private readonly params: AlsParams;
  private readonly lossDenominator: number;
  /** the solve queues' chunk counter and per-chunk results (see SolveQueue) */
  private readonly sync: SharedArrayBuffer;

  constructor(memory: WasmMemory, pool: AlsWorkerPool, lay: Layout, params: AlsParams, lossDenominator: number) {
    this.sync = new SharedArrayBuffer(8 + 8 * Math.max(lay.users.chunks.length, lay.items.chunks.length));
    this.memory = memory;
    this.pool = pool;
    this.lay = lay;
    this.params = params;
    this.lossDenominator = lossDenominator;
  }

  /**
   * Makes the shared gram that of `side`'s factors: each worker adds up A^T A over its row slice, and
   * the partial grams are summed in a fixed order.
   */
  async gram(side: Side): Promise<Float64Array> {
    const { k } = this.lay;
    await this.pool.run(this.lay.partials.map((partial, t) => [{ fn: 'gram', args: [side.factors, side.bounds[t]!, side.bounds[t + 1]!, k, partial] }]));
    const gram = new Float64Array(k * k);
    for (const partial of this.lay.partials) {
      const view = f32View(this.memory, partial, k * k);
      for (let i = 0; i < gram.length; i++) gram[i]! += view[i]!;
    }
    f32View(this.memory, this.lay.gram, k * k).set(gram);
    return gram;
  }

  /** Solves every row of `solve` against `other` (whose gram is current), then makes the gram `solve`'s. */
  async halfStep(solve: Side, other: Side, withLoss: boolean): Promise<HalfStep> {
    const { k } = this.lay;
    const { regularization, cgSteps } = this.params;
    new Int32Array(this.sync, 0, 1)[0] = 0;
    await this.pool.runQueues(
      this.lay.scratch.map((scratch) => ({
        args: [
          solve.factors,
          other.factors,
          this.lay.gram,
          solve.indptr,
          solve.indices,
          solve.cm1,
          0,
          0,
          k,
          regularization,
          cgSteps,
          scratch,
          withLoss ? 1 : 0,
        ],
        bounds: solve.chunks,
        sync: this.sync,
      })),
    );
    // summed in chunk order, whichever worker solved which chunk
    let observedLoss = 0;
    for (const value of new Float64Array(this.sync, 8, solve.chunks.length - 1)) observedLoss += value;
    return { gram: await this.gram(solve), observedLoss };
  }

  /** One ALS iteration; returns implicit's calculate_loss for the factors it leaves. */
  async iterate(): Promise<number> {
    const { users, items, k } = this.lay;
    const x = await this.halfStep(users, items, false);
    const y = await this.halfStep(items, users, true);
    // sum over all pairs of p^2 is trace(X^T X Y^T Y); |X|^2 + |Y|^2 = trace X^T X + trace Y^T Y
    let total = y.observedLoss;
    for (let i = 0; i < k * k; i++) total += x.gram[i]! * y.gram[i]!;
    for (let f = 0; f < k; f++) total += this.params.regularization * (x.gram[f * k + f]! + y.gram[f * k + f]!);
    return total / this.lossDenominator;
  }
}

export async function trainAls(userItems: Csr, params: AlsParams, ctx: TaskContext): Promise<AlsModel> {
  validateAlsParams(params);
  validateCsr(userItems);
  throwIfCancelled(ctx.signal);
  const threads = resolveThreads(params.threads);
  const k = paddedFactors(params.factors);
  const { nRows: nUsers, nCols: nItems } = userItems;
  const nnz = userItems.indptr[nUsers]!;

  const plan = new MemoryPlan();
  const lay = planLayout(plan, nUsers, nItems, nnz, k, threads, maxDegree(userItems));
  const memory = plan.create('ALS training');
  ctx.log(
    'info',
    `ALS: ${nUsers} users x ${nItems} items, ${nnz} interactions, ${params.factors} factors, ${threads} threads, ${(plan.bytes / 2 ** 20).toFixed(0)} MiB kernel memory`,
  );
  const { userRank, itemRank, sumCm1 } = writeMatrices(memory, userItems, lay, params);
  // a gram costs the same for every row
  lay.users.bounds = Array.from({ length: threads + 1 }, (_, t) => Math.floor((nUsers * t) / threads));
  lay.items.bounds = Array.from({ length: threads + 1 }, (_, t) => Math.floor((nItems * t) / threads));
  lay.users.chunks = partitionRows(i32View(memory, lay.users.indptr, nUsers + 1), nUsers, threads * CHUNKS_PER_THREAD, k);
  lay.items.chunks = partitionRows(i32View(memory, lay.items.indptr, nItems + 1), nItems, threads * CHUNKS_PER_THREAD, k);
  const normal = normalStream(params.seed ^ 0x9e3779b9);
  initFactors(memory, lay.users, userRank, k, params.factors, normal);
  initFactors(memory, lay.items, itemRank, k, params.factors, normal);

  const pool = await AlsWorkerPool.start(threads, alsKernelModule(), memory);
  try {
    const trainer = new AlsTrainer(memory, pool, lay, params, sumCm1 + nUsers * nItems);
    await trainer.gram(lay.items);
    for (let it = 1; it <= params.iterations; it++) {
      throwIfCancelled(ctx.signal);
      const start = performance.now();
      const loss = await trainer.iterate();
      ctx.progress({ stage: 'als', current: it, total: params.iterations, unit: 'iteration', metrics: { loss, seconds: (performance.now() - start) / 1000 } });
    }
  } finally {
    await pool.close();
  }
  return {
    nUsers,
    nItems,
    factors: params.factors,
    userFactors: extractFactors(memory, lay.users, userRank, k, params.factors),
    itemFactors: extractFactors(memory, lay.items, itemRank, k, params.factors),
  };
}
