import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../common/contracts/errors.ts';
import { readServingHistory, type ServingHistoryReply, type ServingHistoryRequest } from '../runs/serving-history.ts';
import { openWorkspaceDb } from '../store/db.ts';

/** Reads one run's serving histories off the main thread (runs/serving-history.ts), then exits. */
const { dbPath, ...request } = workerData as ServingHistoryRequest;
let reply: ServingHistoryReply;
try {
  const db = await openWorkspaceDb(dbPath);
  try {
    reply = { ok: true, value: readServingHistory(db, request) };
  } finally {
    db.close();
  }
} catch (err) {
  reply = { ok: false, error: toErrorData(err) };
}
const transfer = reply.ok
  ? [reply.value.history.indptr, reply.value.history.indices, reply.value.history.data, reply.value.historyTs].map((a) => a.buffer as ArrayBuffer)
  : [];
parentPort!.postMessage(reply, transfer);
