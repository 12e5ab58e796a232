import { WorkerClient } from '../../common/worker-rpc.ts';
import type { AlsWasmModule, WasmMemory } from './als-kernel.ts';

export interface KernelCall {
  /** an exported function of the kernel module the pool was started with (ALS or EASE) */
  fn: string;
  args: number[];
}

/**
 * Row chunks of one solveRows half-step, shared out at run time: each worker takes the next untaken chunk
 * until none is left, so that the workers finish together however unevenly rows cost.
 */
export interface SolveQueue {
  /** solveRows arguments; r0 and r1 (indices 6 and 7) are set to each chunk's rows */
  args: number[];
  /** chunk i is rows bounds[i] .. bounds[i + 1] */
  bounds: number[];
  /** Int32 next-chunk counter (0 at the start) at byte 0, then chunk i's result as a Float64 at byte 8 + 8 i */
  sync: SharedArrayBuffer;
}

/** A call to an ALS worker (workers/als-worker.ts); the answer is each kernel call's result (none for init and queue). */
export type AlsWorkerRequest =
  { type: 'init'; module: AlsWasmModule; memory: WasmMemory } | { type: 'calls'; calls: KernelCall[] } | { type: 'queue'; queue: SolveQueue };

/**
 * Worker threads that run kernel calls (ALS, EASE) on one shared memory; worker t always gets batch t.
 * A worker that dies fails its call and every later one (its kernel instance is gone).
 */
export class AlsWorkerPool {
  private readonly workers: WorkerClient<AlsWorkerRequest, number[]>[];

  private constructor(count: number) {
    this.workers = Array.from(
      { length: count },
      (_, t) => new WorkerClient<AlsWorkerRequest, number[]>(new URL('../../workers/als-worker.ts', import.meta.url), { name: `ALS worker ${t}` }),
    );
  }

  static async start(count: number, module: AlsWasmModule, memory: WasmMemory): Promise<AlsWorkerPool> {
    const pool = new AlsWorkerPool(count);
    try {
      await Promise.all(pool.workers.map((_, t) => pool.send(t, { type: 'init', module, memory })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs batches[t] on worker t (all in parallel) and returns each call's result. */
  run(batches: KernelCall[][]): Promise<number[][]> {
    return Promise.all(batches.map((calls, t) => this.send(t, { type: 'calls', calls })));
  }

  /** Has worker t work through queues[t] (all queues share one chunk counter); resolves when all are done. */
  async runQueues(queues: SolveQueue[]): Promise<void> {
    await Promise.all(queues.map((queue, t) => this.send(t, { type: 'queue', queue })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private send(t: number, request: AlsWorkerRequest): Promise<number[]> {
    return this.workers[t]!.call(request);
  }
}
