import { WorkerClient } from '../common/worker-rpc.ts';
import type { RankWorkerRequest } from './rank-protocol.ts';
import type { RankerInput } from './ranker.ts';

/** The scoring thread's handle on one ranking worker; a worker that dies fails its batches and every later one. */
export class RankThread {
  private readonly client = new WorkerClient<RankWorkerRequest, number>(new URL('../workers/rank-worker.ts', import.meta.url), {
    name: 'ranking worker',
  });

  private constructor() {}

  /** Starts a worker that ranks rows of `slots` with a BatchRanker over `input`. */
  static async start(input: RankerInput, slots: Float32Array[]): Promise<RankThread> {
    const thread = new RankThread();
    try {
      await thread.client.call({ type: 'init', input, slots });
    } catch (err) {
      await thread.close();
      throw err;
    }
    return thread;
  }

  /** Ranks rows start..end−1 from slots[slot]; resolves with the worker's milliseconds. */
  rank(slot: number, start: number, end: number): Promise<number> {
    return this.client.call({ type: 'rank', slot, start, end });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
