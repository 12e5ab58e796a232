import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../../common/contracts/errors.ts';
import type { RankWorkerReply, RankWorkerRequest } from '../eval/rank-protocol.ts';
import { BatchRanker } from '../eval/ranker.ts';

/**
 * Ranking thread of evaluateInParallel: ranks batches of score rows that the scoring thread wrote
 * into shared slots, writing metric values into shared memory.
 */

let ranker: BatchRanker | undefined;
let slots: Float32Array[] = [];

function handle(request: RankWorkerRequest): RankWorkerReply {
  try {
    if (request.type === 'init') {
      ranker = new BatchRanker(request.input);
      slots = request.slots;
      return { type: 'ready' };
    }
    if (!ranker) throw new Error('rank worker received a batch before init');
    const t0 = performance.now();
    ranker.rankRows(slots[request.slot]!, request.start, request.end);
    return { type: 'ranked', slot: request.slot, ms: performance.now() - t0 };
  } catch (err) {
    return { type: 'error', error: toErrorData(err) };
  }
}

parentPort!.on('message', (request: RankWorkerRequest) => parentPort!.postMessage(handle(request)));
