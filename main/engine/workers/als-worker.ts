import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../contracts/errors.ts';
import { instantiateAlsKernel, type AlsKernel } from '../recsys/als-kernel.ts';
import type { AlsWorkerReply, AlsWorkerRequest } from '../recsys/als-pool.ts';

/** Runs batches of ALS kernel calls on the training memory it shares with the thread that started it. */
let kernel: AlsKernel | undefined;

function handle(request: AlsWorkerRequest): AlsWorkerReply {
  try {
    if (request.type === 'init') {
      kernel = instantiateAlsKernel(request.module, request.memory);
      return { type: 'results', results: [] };
    }
    if (!kernel) throw new Error('ALS worker received calls before init');
    const k = kernel;
    const results = request.calls.map((call) => (k[call.fn] as (...args: number[]) => number | undefined)(...call.args) ?? 0);
    return { type: 'results', results };
  } catch (err) {
    return { type: 'error', error: toErrorData(err) };
  }
}

parentPort!.on('message', (request: AlsWorkerRequest) => parentPort!.postMessage(handle(request)));
