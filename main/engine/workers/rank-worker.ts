import { serveRpc } from '../common/worker-rpc.ts';
import type { RankWorkerRequest } from '../eval/rank-protocol.ts';
import { BatchRanker } from '../eval/ranker.ts';

/**
 * Ranking thread of evaluateInParallel: ranks batches of score rows that the scoring thread wrote
 * into shared slots, writing metric values into shared memory.
 */

let ranker: BatchRanker | undefined;
let slots: Float32Array[] = [];

serveRpc<RankWorkerRequest, number>((request) => {
  if (request.type === 'init') {
    ranker = new BatchRanker(request.input);
    slots = request.slots;
    return 0;
  }
  if (!ranker) throw new Error('rank worker received a batch before init');
  const t0 = performance.now();
  ranker.rankRows(slots[request.slot]!, request.start, request.end);
  return performance.now() - t0;
});
