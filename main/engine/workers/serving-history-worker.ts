import { serveRpc } from '../common/worker-rpc.ts';
import { readServingHistory, type ServingHistory, type ServingHistoryRequest } from '../runs/serving-history.ts';
import { openWorkspaceDb } from '../store/db.ts';

/** Reads a run's serving histories off the main thread (runs/serving-history.ts), with its own connection. */
serveRpc<ServingHistoryRequest, ServingHistory>(
  async ({ dbPath, ...request }) => {
    const db = await openWorkspaceDb(dbPath);
    try {
      return await readServingHistory(db, request);
    } finally {
      db.close();
    }
  },
  { transfer: (h) => [h.history.indptr, h.history.indices, h.history.data, h.historyTs].map((a) => a.buffer as ArrayBuffer) },
);
