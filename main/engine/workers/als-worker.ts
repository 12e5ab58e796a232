import { serveRpc } from '../common/worker-rpc.ts';
import { instantiateAlsKernel, type AlsKernel } from '../recsys/als/als-kernel.ts';
import type { AlsWorkerRequest } from '../recsys/als/als-pool.ts';

/**
 * Runs batches of kernel calls (ALS or EASE: whichever module it was sent), or its share of a queue of ALS
 * solveRows chunks, on the memory it shares with the thread that started it.
 */
let kernel: AlsKernel | undefined;

function handle(request: AlsWorkerRequest): number[] {
  if (request.type === 'init') {
    kernel = instantiateAlsKernel(request.module, request.memory);
    return [];
  }
  if (!kernel) throw new Error('ALS worker received calls before init');
  const k = kernel;
  if (request.type === 'queue') {
    const { args, bounds, sync } = request.queue;
    const next = new Int32Array(sync, 0, 1);
    const chunkResults = new Float64Array(sync, 8, bounds.length - 1);
    const a = args.slice();
    for (let i = Atomics.add(next, 0, 1); i < bounds.length - 1; i = Atomics.add(next, 0, 1)) {
      a[6] = bounds[i]!;
      a[7] = bounds[i + 1]!;
      chunkResults[i] = (k.solveRows as (...args: number[]) => number)(...a);
    }
    return [];
  }
  return request.calls.map((call) => {
    const fn = (k as unknown as Record<string, ((...args: number[]) => number | undefined) | undefined>)[call.fn];
    if (!fn) throw new Error(`kernel has no function ${call.fn}`);
    return fn(...call.args) ?? 0;
  });
}

serveRpc(handle);
