import { serveRpc } from '../common/worker-rpc.ts';
import { readServingDataset, type ServingDataset, type ServingDatasetRequest } from '../runs/serving-dataset.ts';
import { openWorkspaceDb } from '../store/db.ts';

/** Reads what serving needs of a run's dataset off the main thread (runs/serving-dataset.ts), with its own connection. */
serveRpc<ServingDatasetRequest, ServingDataset>(
  async ({ dbPath, ...request }) => {
    const db = await openWorkspaceDb(dbPath);
    try {
      return await readServingDataset(db, request);
    } finally {
      db.close();
    }
  },
  { transfer: (d) => [d.datasetUser, d.runItem].map((a) => a.buffer as ArrayBuffer) },
);
