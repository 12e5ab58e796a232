import type { MessagePort } from 'node:worker_threads';

/**
 * Shared-memory protocol between VssShardPool (the thread that owns the store) and the shard
 * workers (workers/vss-shard-worker.ts). Each worker has one control block of Int32 fields in a
 * shared control buffer, and a Float64 argument; the query vector lives in one shared buffer that
 * every worker reads, and each worker writes its answer into its own results buffer.
 *
 * A request: the owner writes the query (SEARCH), the op and the argument, then bumps GEN and
 * notifies it. The worker answers into its results buffer, sets STATUS and COUNT, then stores
 * DONE = GEN and notifies DONE. An error text goes over the worker's MessagePort before DONE is
 * stored, so the owner can read it synchronously (receiveMessageOnPort). STOP is answered with
 * DONE = STOPPED once the worker has closed its connection; it then returns and its thread ends.
 */

/** Int32 fields of a worker's control block */
export const GEN = 0;
export const OP = 1;
export const DONE = 2;
export const STATUS = 3;
export const COUNT = 4;
export const BLOCK_INTS = 8;
/** DONE value of a worker that could not open its shard (STATUS is ERROR, the reason is on its port) */
export const INIT_FAILED = -1;
/** DONE value of a worker that was told to stop and has closed its connection */
export const STOPPED = -2;

/** argument: k */
export const OP_SEARCH = 1;
export const OP_STOP = 2;

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;

export interface ShardWorkerData {
  path: string;
  table: string;
  dims: number;
  /** Int32 control blocks of all workers (BLOCK_INTS each), then one Float64 argument per worker */
  control: SharedArrayBuffer;
  /** this worker's control block */
  block: number;
  workers: number;
  /** Float32 × dims */
  query: SharedArrayBuffer;
  /** (rowid, score) Float64 pairs of a SEARCH */
  results: SharedArrayBuffer;
  port: MessagePort;
}

export interface ShardWorkerMessage {
  /** a larger results buffer (owner → worker, before the request that needs it) */
  results?: SharedArrayBuffer;
  /** why a request or the start failed (worker → owner) */
  error?: string;
}

/** byte offset of the Float64 arguments in the control buffer */
export const argsOffset = (workers: number): number => workers * BLOCK_INTS * 4;
export const controlBytes = (workers: number): number => argsOffset(workers) + workers * 8;
