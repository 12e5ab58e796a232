import { Worker } from 'node:worker_threads';
import { EngineError } from '../../common/contracts/errors.ts';
import type { RankWorkerReply, RankWorkerRequest } from './rank-protocol.ts';
import type { RankerInput } from './ranker.ts';

interface Pending {
  resolve(ms: number): void;
  reject(err: Error): void;
}

/** The scoring thread's handle on one ranking worker; batches are answered in the order sent. */
export class RankThread {
  private readonly worker: Worker;
  private readonly queue: Pending[] = [];
  private failure: Error | undefined;
  private closing = false;

  private constructor() {
    this.worker = new Worker(new URL('../workers/rank-worker.ts', import.meta.url));
    this.worker.on('message', (reply: RankWorkerReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(new EngineError('worker-crashed', `ranking worker crashed: ${err.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new EngineError('worker-crashed', `ranking worker exited with code ${code}`));
    });
  }

  /** Starts a worker that ranks rows of `slots` with a BatchRanker over `input`. */
  static async start(input: RankerInput, slots: Float32Array[]): Promise<RankThread> {
    const thread = new RankThread();
    try {
      await thread.send({ type: 'init', input, slots });
    } catch (err) {
      await thread.close();
      throw err;
    }
    return thread;
  }

  /** Ranks rows start..end−1 from slots[slot]; resolves with the worker's milliseconds. */
  rank(slot: number, start: number, end: number): Promise<number> {
    return this.send({ type: 'rank', slot, start, end });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private send(request: RankWorkerRequest): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.worker.postMessage(request);
    });
  }

  private settle(reply: RankWorkerReply): void {
    const p = this.queue.shift();
    if (!p) return;
    if (reply.type === 'error') p.reject(EngineError.fromData(reply.error));
    else p.resolve(reply.type === 'ranked' ? reply.ms : 0);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.queue.splice(0)) p.reject(err);
  }
}
