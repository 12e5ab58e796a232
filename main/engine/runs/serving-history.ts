import { join } from 'node:path';
import type { RunManifest } from '../../common/contracts/runs.ts';
import { csrFromCoo } from '../data/csr.ts';
import type { Csr } from '../data/types.ts';
import type { Db } from '../store/db.ts';
import { loadCatalog, loadInteractions } from '../store/datasets.ts';
import { loadIds } from '../common/arrays.ts';
import { WorkerClient } from '../common/worker-rpc.ts';
import { runDatasetId } from './run-dataset.ts';

/** What serving needs from a run's dataset, in the run's own user and item index spaces. */
export interface ServingHistory {
  userIds: string[];
  itemIds: string[];
  /** users × items from the whole dataset (not only the training part): what a user has seen */
  history: Csr;
  /** latest event time per history entry, aligned with history.indices */
  historyTs: Float64Array;
  /** [item id, title] of the catalogue items that have a title */
  titles: [string, string][];
  /** [item id, category] from the catalogue's category column (the one search filters on), when it has one */
  categories: [string, string][];
}

export type ServingHistoryRequest = { dbPath: string; dir: string; runId: string; dataset: NonNullable<RunManifest['dataset']> };

/** Index of each of `from` in `to` (-1 when absent): the dataset's index spaces may differ from the run's. */
function remap(from: readonly string[], to: readonly string[]): Int32Array {
  const index = new Map(to.map((id, i) => [id, i]));
  return Int32Array.from(from, (id) => index.get(id) ?? -1);
}

/** Reads the run's id lists and its dataset's full histories and titles. Heavy: runs in a worker (see below). */
export async function readServingHistory(db: Db, { dir, runId, dataset }: Omit<ServingHistoryRequest, 'dbPath'>): Promise<ServingHistory> {
  const userIds = loadIds(join(dir, 'users.txt'));
  const itemIds = loadIds(join(dir, 'items.txt'));
  const datasetId = runDatasetId(db, runId, dataset);
  const table = await loadInteractions(db, datasetId);
  const userOf = remap(table.userIds, userIds);
  const itemOf = remap(table.itemIds, itemIds);
  let n = 0;
  const users = new Int32Array(table.user.length);
  const items = new Int32Array(table.user.length);
  const ts = new Float64Array(table.user.length);
  for (let k = 0; k < table.user.length; k++) {
    const u = userOf[table.user[k]!]!;
    const i = itemOf[table.item[k]!]!;
    if (u < 0 || i < 0) continue;
    users[n] = u;
    items[n] = i;
    ts[n++] = table.ts[k]!;
  }
  const history = csrFromCoo(userIds.length, itemIds.length, users.subarray(0, n), items.subarray(0, n), null);
  // Each event's entry: rows hold ascending item indices, so a binary search finds it.
  const historyTs = new Float64Array(history.indices.length).fill(-Infinity);
  for (let k = 0; k < n; k++) {
    let lo = history.indptr[users[k]!]!;
    let hi = history.indptr[users[k]! + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (history.indices[mid]! < items[k]!) lo = mid + 1;
      else hi = mid;
    }
    if (ts[k]! > historyTs[lo]!) historyTs[lo] = ts[k]!;
  }
  const catalog = await loadCatalog(db, datasetId);
  const titles: [string, string][] = [];
  const categories: [string, string][] = [];
  for (const row of catalog?.rows ?? []) {
    if (row.title) titles.push([row[catalog!.idColumn]!, row.title]);
    if (row.category) categories.push([row[catalog!.idColumn]!, row.category]);
  }
  return { userIds, itemIds, history, historyTs, titles, categories };
}

/**
 * Reads the histories in a worker thread with its own database connection, so loading a large
 * run (seconds for a million events) never stalls the requests the main thread is answering.
 */
export async function readServingHistoryOffThread(request: ServingHistoryRequest): Promise<ServingHistory> {
  const worker = new WorkerClient<ServingHistoryRequest, ServingHistory>(new URL('../workers/serving-history-worker.ts', import.meta.url), {
    name: `the worker loading run ${request.runId}`,
  });
  try {
    return await worker.call(request);
  } finally {
    await worker.close();
  }
}
