import { join } from 'node:path';
import type { RunManifest } from '../../common/contracts/runs.ts';
import type { Db } from '../store/db.ts';
import { loadCatalog, loadDatasetIds } from '../store/datasets.ts';
import { loadIds } from '../common/arrays.ts';
import { WorkerClient } from '../common/worker-rpc.ts';
import { runDatasetId } from './run-dataset.ts';

/**
 * What serving needs from a run's dataset up front, in the run's own user and item index spaces:
 * id lists, titles and the maps to the dataset's indices. A user's events are read per request
 * (store/dataset-files.ts openUserEvents), never the whole log.
 */
export interface ServingDataset {
  datasetId: string;
  userIds: string[];
  itemIds: string[];
  /** per run user, its index in the dataset (-1 when the dataset lacks it) */
  datasetUser: Int32Array;
  /** per dataset item, its index in the run (-1 when the run lacks it) */
  runItem: Int32Array;
  /** [item id, title] of the catalogue items that have a title */
  titles: [string, string][];
  /** [item id, category] from the catalogue's category column (the one search filters on), when it has one */
  categories: [string, string][];
}

export type ServingDatasetRequest = { dbPath: string; dir: string; runId: string; dataset: NonNullable<RunManifest['dataset']> };

/** Index of each of `from` in `to` (-1 when absent): the dataset's index spaces may differ from the run's. */
function remap(from: readonly string[], to: readonly string[]): Int32Array {
  const index = new Map(to.map((id, i) => [id, i]));
  return Int32Array.from(from, (id) => index.get(id) ?? -1);
}

/** Reads the run's id lists, its dataset's ids and its catalogue's titles. Runs in a worker (see below). */
export async function readServingDataset(db: Db, { dir, runId, dataset }: Omit<ServingDatasetRequest, 'dbPath'>): Promise<ServingDataset> {
  const userIds = loadIds(join(dir, 'users.txt'));
  const itemIds = loadIds(join(dir, 'items.txt'));
  const datasetId = runDatasetId(db, runId, dataset);
  const ids = await loadDatasetIds(db, datasetId);
  const catalog = await loadCatalog(db, datasetId);
  const titles: [string, string][] = [];
  const categories: [string, string][] = [];
  for (const row of catalog?.rows ?? []) {
    if (row.title) titles.push([row[catalog!.idColumn]!, row.title]);
    if (row.category) categories.push([row[catalog!.idColumn]!, row.category]);
  }
  return { datasetId, userIds, itemIds, datasetUser: remap(userIds, ids.userIds), runItem: remap(ids.itemIds, itemIds), titles, categories };
}

/**
 * Reads them in a worker thread with its own database connection, so loading a run with a large
 * catalogue never stalls the requests the main thread is answering.
 */
export async function readServingDatasetOffThread(request: ServingDatasetRequest): Promise<ServingDataset> {
  const worker = new WorkerClient<ServingDatasetRequest, ServingDataset>(new URL('../workers/serving-dataset-worker.ts', import.meta.url), {
    name: `the worker loading run ${request.runId}`,
  });
  try {
    return await worker.call(request);
  } finally {
    await worker.close();
  }
}
