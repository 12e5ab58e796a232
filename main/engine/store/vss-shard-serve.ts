import Database from 'better-sqlite3';
import { receiveMessageOnPort } from 'node:worker_threads';
import { loadVss } from './extensions.ts';
import {
  argsOffset,
  BLOCK_INTS,
  COUNT,
  DONE,
  GEN,
  INIT_FAILED,
  OP,
  OP_SEARCH,
  OP_STOP,
  STATUS,
  STATUS_ERROR,
  STATUS_OK,
  STOPPED,
} from './vss-shard-protocol.ts';
import type { ShardWorkerData, ShardWorkerMessage } from './vss-shard-protocol.ts';

/**
 * Serves one shard of a sharded sqlite-vss Flat index (see vss-shard-pool.ts), in a worker thread:
 * its own connection to the file, so its vss0 table holds only this shard's vectors, answering the
 * search requests that arrive through shared memory. The thread blocks in Atomics.wait
 * between requests and returns only when told to stop.
 */
export function serveShard(data: ShardWorkerData): void {
  const control = new Int32Array(data.control, 0, data.workers * BLOCK_INTS);
  const args = new Float64Array(data.control, argsOffset(data.workers), data.workers);
  const base = data.block * BLOCK_INTS;
  const query = new Float32Array(data.query);
  let results = data.results;

  function fail(message: string, done: number): void {
    data.port.postMessage({ error: message } satisfies ShardWorkerMessage);
    Atomics.store(control, base + STATUS, STATUS_ERROR);
    Atomics.store(control, base + DONE, done);
    Atomics.notify(control, base + DONE);
  }

  let db: Database.Database;
  let search: Database.Statement<[Buffer, number], { rowid: number; distance: number }>;
  try {
    db = new Database(data.path, { fileMustExist: true });
  } catch (err) {
    fail((err as Error).message, INIT_FAILED);
    data.port.close();
    return;
  }
  try {
    loadVss(db);
    // preparing makes vss0 read this shard's index into this thread
    search = db.prepare(`SELECT rowid, distance FROM ${data.table} WHERE vss_search(embedding, ?) LIMIT ?`);
  } catch (err) {
    db.close();
    fail((err as Error).message, INIT_FAILED);
    data.port.close();
    return;
  }

  function answer(op: number, arg: number): number {
    if (op === OP_SEARCH) {
      const rows = search.all(Buffer.from(query.buffer, query.byteOffset, query.byteLength), arg);
      const out = new Float64Array(results, 0, rows.length * 2);
      rows.forEach((r, i) => {
        out[2 * i] = r.rowid;
        out[2 * i + 1] = r.distance;
      });
      return rows.length;
    }
    throw new Error(`unknown request ${op}`);
  }

  let seen = 0;
  for (;;) {
    Atomics.wait(control, base + GEN, seen);
    seen = Atomics.load(control, base + GEN);
    const op = Atomics.load(control, base + OP);
    if (op === OP_STOP) break;
    for (let m = receiveMessageOnPort(data.port); m; m = receiveMessageOnPort(data.port)) {
      const message = m.message as ShardWorkerMessage;
      if (message.results) results = message.results;
    }
    try {
      Atomics.store(control, base + COUNT, answer(op, args[data.block]!));
      Atomics.store(control, base + STATUS, STATUS_OK);
      Atomics.store(control, base + DONE, seen);
      Atomics.notify(control, base + DONE);
    } catch (err) {
      fail((err as Error).message, seen);
    }
  }
  db.close();
  Atomics.store(control, base + DONE, STOPPED);
  Atomics.notify(control, base + DONE);
  data.port.close();
}
