import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { AlsWorkerPool } from '../../main/engine/recsys/als/als-pool.ts';
import { alsKernelModule, MemoryPlan } from '../../main/engine/recsys/als/als-kernel.ts';

/** Ends worker t of the pool from outside, as an out-of-memory kill or a native abort would. */
const endWorker = (pool: AlsWorkerPool, t: number) => (pool as unknown as { workers: { thread: Worker }[] }).workers[t]!.thread.terminate();

describe('AlsWorkerPool', () => {
  it('fails the next call at once when a worker died between calls, naming the worker', { timeout: 10_000 }, async () => {
    const plan = new MemoryPlan();
    plan.alloc(1024);
    const pool = await AlsWorkerPool.start(2, alsKernelModule(), plan.create('test'));
    try {
      const heapBase = [{ fn: 'heapBase', args: [] }];
      const [a, b] = await pool.run([heapBase, heapBase]);
      expect(a).toEqual(b);
      await endWorker(pool, 1);
      await expect(pool.run([heapBase, heapBase])).rejects.toMatchObject({ kind: 'worker-crashed', message: 'ALS worker 1 exited with code 1' });
      await expect(pool.run([heapBase, heapBase])).rejects.toMatchObject({ kind: 'worker-crashed' });
    } finally {
      await pool.close();
    }
  });
});
