import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../common/contracts/errors.ts';
import { neighbourRows, type Cooccurrence, type ItemKnnSettings } from '../recsys/itemknn/itemknn-rows.ts';
import type { ItemKnnWorkerReply, ItemKnnWorkerRequest } from '../recsys/itemknn/itemknn-train.ts';

/** Computes ItemKNN neighbour rows for the item ranges it is sent, on the interactions it was started with. */
const { data, settings } = workerData as { data: Cooccurrence; settings: ItemKnnSettings };

parentPort!.on('message', ({ j0, j1 }: ItemKnnWorkerRequest) => {
  let reply: ItemKnnWorkerReply;
  try {
    reply = { type: 'rows', j0, rows: neighbourRows(data, j0, j1, settings) };
  } catch (err) {
    reply = { type: 'error', error: toErrorData(err) };
  }
  const transfer = reply.type === 'rows' ? [reply.rows.counts.buffer, reply.rows.indices.buffer, reply.rows.weights.buffer] : [];
  parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
});
