import { Worker } from 'node:worker_threads';
import { EngineError, type EngineErrorData } from '../../../common/contracts/errors.ts';
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

export type AlsWorkerRequest =
  { type: 'init'; module: AlsWasmModule; memory: WasmMemory } | { type: 'calls'; calls: KernelCall[] } | { type: 'queue'; queue: SolveQueue };

export type AlsWorkerReply = { type: 'results'; results: number[] } | { type: 'error'; error: EngineErrorData };

interface Pending {
  resolve(results: number[]): void;
  reject(err: Error): void;
}

/** Worker threads that run kernel calls (ALS, EASE) on one shared memory; worker t always gets batch t. */
export class AlsWorkerPool {
  private readonly workers: Worker[];
  private readonly pending: (Pending | undefined)[];
  private failure: Error | undefined;

  private constructor(count: number) {
    this.workers = [];
    this.pending = new Array<Pending | undefined>(count).fill(undefined);
    for (let t = 0; t < count; t++) {
      const worker = new Worker(new URL('../../workers/als-worker.ts', import.meta.url));
      worker.on('message', (reply: AlsWorkerReply) => this.settle(t, reply));
      worker.on('error', (err) => this.fail(new EngineError('worker-crashed', `ALS worker ${t} crashed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (this.pending[t]) this.fail(new EngineError('worker-crashed', `ALS worker ${t} exited with code ${code}`));
      });
      this.workers.push(worker);
    }
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
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(t: number, request: AlsWorkerRequest): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending[t] = { resolve, reject };
      this.workers[t]!.postMessage(request);
    });
  }

  private settle(t: number, reply: AlsWorkerReply): void {
    const p = this.pending[t];
    this.pending[t] = undefined;
    if (!p) return;
    if (reply.type === 'results') p.resolve(reply.results);
    else p.reject(EngineError.fromData(reply.error));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (let t = 0; t < this.pending.length; t++) {
      const p = this.pending[t];
      this.pending[t] = undefined;
      p?.reject(err);
    }
  }
}
