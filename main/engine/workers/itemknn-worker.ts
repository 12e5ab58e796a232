import { workerData } from 'node:worker_threads';
import { serveRpc } from '../common/worker-rpc.ts';
import { neighbourRows, type Cooccurrence, type ItemKnnSettings, type NeighbourRows } from '../recsys/itemknn/itemknn-rows.ts';
import type { ItemKnnWorkerRequest } from '../recsys/itemknn/itemknn-train.ts';

/** Computes ItemKNN neighbour rows for the item ranges it is sent, on the interactions it was started with. */
const { data, settings } = workerData as { data: Cooccurrence; settings: ItemKnnSettings };

serveRpc<ItemKnnWorkerRequest, NeighbourRows>(({ j0, j1 }) => neighbourRows(data, j0, j1, settings), {
  transfer: (rows) => [rows.counts.buffer, rows.indices.buffer, rows.weights.buffer] as ArrayBuffer[],
});
