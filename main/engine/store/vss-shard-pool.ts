import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { EngineError } from '../../common/contracts/errors.ts';
import {
  argsOffset,
  BLOCK_INTS,
  controlBytes,
  COUNT,
  DONE,
  GEN,
  INIT_FAILED,
  OP,
  OP_SEARCH,
  OP_STOP,
  STATUS,
  STATUS_ERROR,
  STOPPED,
} from './vss-shard-protocol.ts';
import type { ShardWorkerData, ShardWorkerMessage } from './vss-shard-protocol.ts';
import type { Neighbour } from './vector-base.ts';

/** the first request waits for the worker to start and read its shard's index */
const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** how long close() waits for a worker to close its connection */
const STOP_TIMEOUT_MS = 5_000;

/** shard workers started and not yet exited, in this thread (for tests and diagnostics) */
const live = new Set<Worker>();
export function liveShardWorkers(): number {
  return live.size;
}

interface ShardWorker {
  shard: number;
  port: MessagePort;
  /** where the worker writes its answers */
  results: SharedArrayBuffer;
  started: boolean;
}

export interface ShardPoolOptions {
  path: string;
  dims: number;
  /** table name of each shard the pool serves */
  tables: Map<number, string>;
  /** for tests */
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * Worker threads that each hold one shard (1..S−1) of a sharded sqlite-vss Flat index in their own
 * connection, so that the shards are scanned at the same time while the owning thread scans shard
 * 0. The calls are synchronous: requests and answers go through shared memory, and the owner
 * blocks in Atomics.wait (with a timeout) until the workers it asked have answered. Any failure
 * closes the pool; the store starts a new one on its next search.
 */
export class VssShardPool {
  private readonly workers: ShardWorker[] = [];
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  private readonly query: Float32Array;
  private readonly startTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private closed = false;

  constructor(options: ShardPoolOptions) {
    const n = options.tables.size;
    const control = new SharedArrayBuffer(controlBytes(n));
    this.control = new Int32Array(control, 0, n * BLOCK_INTS);
    this.args = new Float64Array(control, argsOffset(n), n);
    const query = new SharedArrayBuffer(options.dims * 4);
    this.query = new Float32Array(query);
    this.startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    let block = 0;
    for (const [shard, table] of options.tables) {
      const results = new SharedArrayBuffer(64 * 16);
      const { port1, port2 } = new MessageChannel();
      const data: ShardWorkerData = { path: options.path, table, dims: options.dims, control, block, workers: n, query, results, port: port2 };
      const worker = new Worker(new URL('../workers/vss-shard-worker.ts', import.meta.url), { workerData: data, transferList: [port2] });
      worker.unref();
      live.add(worker);
      worker.on('exit', () => live.delete(worker));
      // errors reach the owner through shared memory; an 'error' event must not crash the process
      worker.on('error', () => {});
      this.workers.push({ shard, port: port1, results, started: false });
      block++;
    }
  }

  /** k nearest in each shard of `ks` (shard → k, k ≥ 1), all at once; `scanOwn` runs meanwhile on this thread */
  search(query: Buffer, ks: Map<number, number>, scanOwn: () => Neighbour[]): Neighbour[][] {
    this.query.set(new Float32Array(query.buffer, query.byteOffset, query.byteLength / 4));
    const asked: [number, ShardWorker, number][] = [];
    this.workers.forEach((w, i) => {
      const k = ks.get(w.shard);
      if (k) asked.push([i, w, this.post(i, OP_SEARCH, k, k * 16)]);
    });
    let own: Neighbour[];
    try {
      own = scanOwn();
    } catch (err) {
      // the workers must not write into buffers that a later request reads
      for (const [i, w, gen] of asked) {
        try {
          this.await(i, w, gen);
        } catch {
          // the pool closed itself; err says what went wrong first
        }
      }
      throw err;
    }
    const out = [own];
    for (const [i, w, gen] of asked) {
      const count = this.await(i, w, gen);
      const pairs = new Float64Array(w.results, 0, count * 2);
      const hits: Neighbour[] = [];
      for (let j = 0; j < count; j++) hits.push({ rowid: pairs[2 * j]!, score: pairs[2 * j + 1]! });
      out.push(hits);
    }
    return out;
  }

  /** after close(), or after a request failed */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Tells every worker to stop, and waits (boundedly) until those that have answered before have
   * closed their connections; each then exits by itself, and a worker that is still starting does
   * so as soon as it reaches its request loop. No terminate(): a thread stopped inside a native
   * call (better-sqlite3, vss0) can abort the whole process.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.workers.forEach((w, i) => {
      Atomics.store(this.control, i * BLOCK_INTS + OP, OP_STOP);
      Atomics.add(this.control, i * BLOCK_INTS + GEN, 1);
      Atomics.notify(this.control, i * BLOCK_INTS + GEN);
      w.port.close();
    });
    const deadline = performance.now() + STOP_TIMEOUT_MS;
    this.workers.forEach((w, i) => {
      if (!w.started) return;
      for (let done = Atomics.load(this.control, i * BLOCK_INTS + DONE); done !== STOPPED; done = Atomics.load(this.control, i * BLOCK_INTS + DONE)) {
        const left = deadline - performance.now();
        if (left <= 0) return;
        Atomics.wait(this.control, i * BLOCK_INTS + DONE, done, left);
      }
    });
  }

  /** sends request `op` to worker i; returns its generation */
  private post(i: number, op: number, arg: number, bytes: number): number {
    if (this.closed) throw new EngineError('internal', 'the vector index shard pool is closed');
    const w = this.workers[i]!;
    if (w.results.byteLength < bytes) {
      // delivered before the request: the worker drains its port when it wakes
      w.results = new SharedArrayBuffer(Math.max(bytes, 2 * w.results.byteLength));
      w.port.postMessage({ results: w.results } satisfies ShardWorkerMessage);
    }
    const base = i * BLOCK_INTS;
    this.args[i] = arg;
    Atomics.store(this.control, base + OP, op);
    const gen = Atomics.add(this.control, base + GEN, 1) + 1;
    Atomics.notify(this.control, base + GEN);
    return gen;
  }

  /** waits for worker i's answer to request `gen`; returns its COUNT */
  private await(i: number, w: ShardWorker, gen: number): number {
    const base = i * BLOCK_INTS;
    const timeout = w.started ? this.requestTimeoutMs : this.startTimeoutMs;
    const deadline = performance.now() + timeout;
    for (;;) {
      const done = Atomics.load(this.control, base + DONE);
      if (done === gen || done === INIT_FAILED) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.control, base + DONE, done, left) === 'timed-out') {
        this.close();
        throw new EngineError('internal', `vector index shard ${w.shard}: its worker did not answer within ${timeout} ms`, { shard: w.shard });
      }
    }
    if (Atomics.load(this.control, base + STATUS) === STATUS_ERROR) {
      const reason = (receiveMessageOnPort(w.port)?.message as ShardWorkerMessage | undefined)?.error ?? 'unknown error';
      this.close();
      throw new EngineError('internal', `vector index shard ${w.shard} failed: ${reason}`, { shard: w.shard });
    }
    w.started = true;
    return Atomics.load(this.control, base + COUNT);
  }
}
