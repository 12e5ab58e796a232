import { availableParallelism } from 'node:os';
import { throwIfCancelled } from '../../../common/contracts/errors.ts';
import type { Csr } from '../../data/types.ts';
import type { TaskContext } from '../../common/task-context.ts';
import { WorkerClient } from '../../common/worker-rpc.ts';
import { neighbourRows, type Cooccurrence, type ItemKnnSettings, type NeighbourRows } from './itemknn-rows.ts';

/**
 * ItemKNN training: the neighbour rows of all items, computed in chunks of items. With more than one
 * thread, worker threads share the interactions (SharedArrayBuffer) and each takes the next chunk
 * when it finishes one, so uneven chunk costs balance out; results are the same for any thread count.
 */

/** A chunk of items j0..j1−1 whose neighbour rows a worker (workers/itemknn-worker.ts) answers. */
export interface ItemKnnWorkerRequest {
  j0: number;
  j1: number;
}

/** Sparse item × item neighbour matrix in CSR form: row j = items recommended from history item j. */
export interface ItemKnnModel {
  nItems: number;
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

const CHUNK_ITEMS = 64;
/** below this many items a run stays on the calling thread: starting workers costs more than it saves */
const MIN_ITEMS_PER_WORKER = 256;

function sharedCopy<T extends Int32Array | Float64Array>(a: T): T {
  const copy = new (a.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

/** Binary co-occurrence structure of a user × item training matrix (values are ignored: seen or not). */
export function cooccurrenceOf(train: Csr, alpha: number, share: boolean): Cooccurrence {
  const nnz = train.indptr[train.nRows]!;
  const itemIndptr = new Int32Array(train.nCols + 1);
  for (let p = 0; p < nnz; p++) itemIndptr[train.indices[p]! + 1]!++;
  for (let i = 0; i < train.nCols; i++) itemIndptr[i + 1]! += itemIndptr[i]!;
  const fill = itemIndptr.slice(0, train.nCols);
  const itemIndices = new Int32Array(nnz);
  for (let u = 0; u < train.nRows; u++) for (let p = train.indptr[u]!; p < train.indptr[u + 1]!; p++) itemIndices[fill[train.indices[p]!]!++] = u;
  const userIndptr = train.indptr.subarray(0, train.nRows + 1);
  const userIndices = train.indices.subarray(0, nnz);
  const users = (i: number) => itemIndptr[i + 1]! - itemIndptr[i]!;
  const targetNorm = Float64Array.from({ length: train.nCols }, (_, i) => Math.pow(users(i), alpha));
  const historyNorm = Float64Array.from({ length: train.nCols }, (_, i) => Math.pow(users(i), 1 - alpha));
  const own = share ? sharedCopy : <T>(a: T) => a;
  return {
    nItems: train.nCols,
    userIndptr: own(userIndptr),
    userIndices: own(userIndices),
    itemIndptr: own(itemIndptr),
    itemIndices: own(itemIndices),
    targetNorm: own(targetNorm),
    historyNorm: own(historyNorm),
  };
}

export function resolveKnnThreads(threads: number, nItems: number): number {
  const wanted = threads > 0 ? threads : Math.min(availableParallelism(), 8);
  return Math.max(1, Math.min(wanted, Math.floor(nItems / MIN_ITEMS_PER_WORKER)));
}

function assemble(nItems: number, parts: Map<number, NeighbourRows>): ItemKnnModel {
  const starts = [...parts.keys()].sort((a, b) => a - b);
  const indptr = new Int32Array(nItems + 1);
  let total = 0;
  for (const j0 of starts) {
    const rows = parts.get(j0)!;
    rows.counts.forEach((c, r) => (indptr[j0 + r + 1] = c));
    total += rows.indices.length;
  }
  for (let j = 0; j < nItems; j++) indptr[j + 1]! += indptr[j]!;
  const indices = new Int32Array(total);
  const weights = new Float32Array(total);
  for (const j0 of starts) {
    const rows = parts.get(j0)!;
    indices.set(rows.indices, indptr[j0]!);
    weights.set(rows.weights, indptr[j0]!);
  }
  return { nItems, indptr, indices, weights };
}

/** Hands out chunks, reports progress, and stops handing out at cancellation. */
class ChunkQueue {
  private next = 0;
  private done = 0;
  private reported = -1;

  private readonly nItems: number;
  private readonly ctx: TaskContext;

  constructor(nItems: number, ctx: TaskContext) {
    this.nItems = nItems;
    this.ctx = ctx;
  }

  take(): ItemKnnWorkerRequest | null {
    throwIfCancelled(this.ctx.signal);
    if (this.next >= this.nItems) return null;
    const j0 = this.next;
    this.next = Math.min(this.nItems, j0 + CHUNK_ITEMS);
    return { j0, j1: this.next };
  }

  finished(items: number): void {
    this.done += items;
    const percent = Math.floor((100 * this.done) / this.nItems);
    if (percent > this.reported) {
      this.reported = percent;
      this.ctx.progress({ stage: 'itemknn', current: this.done, total: this.nItems, unit: 'item' });
    }
  }
}

async function runInline(data: Cooccurrence, settings: ItemKnnSettings, queue: ChunkQueue, parts: Map<number, NeighbourRows>): Promise<void> {
  for (let chunk = queue.take(); chunk; chunk = queue.take()) {
    parts.set(chunk.j0, neighbourRows(data, chunk.j0, chunk.j1, settings));
    queue.finished(chunk.j1 - chunk.j0);
    // lets a cancel message reach the signal between chunks
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function runInWorkers(
  data: Cooccurrence,
  settings: ItemKnnSettings,
  threads: number,
  queue: ChunkQueue,
  parts: Map<number, NeighbourRows>,
): Promise<void> {
  const workers = Array.from(
    { length: threads },
    (_, t) =>
      new WorkerClient<ItemKnnWorkerRequest, NeighbourRows>(new URL('../../workers/itemknn-worker.ts', import.meta.url), {
        name: `ItemKNN worker ${t}`,
        worker: { workerData: { data, settings } },
      }),
  );
  try {
    await Promise.all(
      workers.map(async (worker) => {
        for (let chunk = queue.take(); chunk; chunk = queue.take()) {
          parts.set(chunk.j0, await worker.call(chunk));
          queue.finished(chunk.j1 - chunk.j0);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

/** The top-`neighbours` similar items of every item; `threads` 0 uses the machine's cores (up to 8). */
export async function trainItemKnn(train: Csr, settings: ItemKnnSettings, threads: number, ctx: TaskContext): Promise<ItemKnnModel & { threads: number }> {
  const nItems = train.nCols;
  const used = resolveKnnThreads(threads, nItems);
  const data = cooccurrenceOf(train, settings.alpha, used > 1);
  const queue = new ChunkQueue(nItems, ctx);
  const parts = new Map<number, NeighbourRows>();
  if (used > 1) await runInWorkers(data, settings, used, queue, parts);
  else await runInline(data, settings, queue, parts);
  return { ...assemble(nItems, parts), threads: used };
}
