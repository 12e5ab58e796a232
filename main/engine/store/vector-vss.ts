import Database from 'better-sqlite3';
import { ExtensionLoadError, loadVss } from './extensions.ts';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { appendToFlatIndex, withHnswParameters, withIvfProbes } from './faiss-index-blob.ts';
import type { HnswSearchParameters } from './faiss-index-blob.ts';
import { createSchema, readMeta, SqliteVectorStore, toBlob } from './vector-base.ts';
import type { Db, Neighbour } from './vector-base.ts';
import {
  DEFAULT_BATCH_ROWS,
  DEFAULT_CATEGORY_COLUMNS,
  DEFAULT_EF_CONSTRUCTION,
  DEFAULT_EF_SEARCH,
  DEFAULT_NPROBE,
  DEFAULT_VSS_FACTORY,
} from './vector-store.ts';
import type { VectorStoreOptions, VectorStoreSettings } from './vector-store.ts';
import { VssShardPool } from './vss-shard-pool.ts';

const FACTORY = /^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/;

export function loadVssInto(db: Db): void {
  try {
    loadVss(db);
  } catch (err) {
    if (err instanceof ExtensionLoadError) throw new EngineError('invalid-input', err.message, { hint: err.hint, extension: 'vss' });
    throw err;
  }
}

/** Number of inverted lists of an IVF factory string, or 0 when the index needs no training. */
function ivfLists(factory: string): number {
  const m = /(?:^|,)IVF(\d+)/.exec(factory);
  return m ? Number(m[1]) : 0;
}

/** search parameters written into the serialised empty index (vss0 exposes none of them) */
type IndexTuning = Partial<HnswSearchParameters> & { nprobe?: number };

function tuningFor(factory: string, options: VectorStoreOptions): IndexTuning {
  if (/^HNSW\d+,IDMap2$/.test(factory)) {
    return { efConstruction: options.efConstruction ?? DEFAULT_EF_CONSTRUCTION, efSearch: options.efSearch ?? DEFAULT_EF_SEARCH };
  }
  const lists = ivfLists(factory);
  if (lists > 0 && /^IVF\d+,Flat,IDMap2$/.test(factory)) return { nprobe: options.nprobe ?? Math.min(DEFAULT_NPROBE, lists) };
  return {};
}

function tuned(blob: Buffer, { efConstruction, efSearch, nprobe }: IndexTuning): Buffer {
  if (nprobe !== undefined) return withIvfProbes(blob, nprobe);
  if (efConstruction !== undefined && efSearch !== undefined) return withHnswParameters(blob, { efConstruction, efSearch });
  return blob;
}

/** vss0 table of shard s: shard 0 is the table of unsharded stores */
export const shardTable = (shard: number): string => (shard === 0 ? 'vss_items' : `vss_items_s${shard}`);

function readIndexBlob(db: Db, table = 'vss_items'): Buffer {
  return db.prepare(`SELECT idx FROM ${table}_index WHERE rowid = 0`).pluck().get() as Buffer;
}

/** inside writeShadowTables only */
function writeIndexBlob(db: Db, blob: Buffer, table = 'vss_items'): void {
  db.prepare(`UPDATE ${table}_index SET idx = ? WHERE rowid = 0`).run(blob);
}

/**
 * vss0's shadow tables are read-only to SQL in SQLite's defensive mode, which better-sqlite3 turns
 * on; unsafe mode lifts it for this one transaction (statements must be prepared inside `write`).
 */
function writeShadowTables(db: Db, write: () => void): void {
  db.unsafeMode(true);
  try {
    db.transaction(write)();
  } finally {
    db.unsafeMode(false);
  }
}

/**
 * sqlite-vss: a Faiss index (factory configurable) inside SQLite, inner-product metric.
 * `Flat,IDMap2` is bulk-loaded: the vectors of an addBatch call are written into the serialised
 * index once, after its item transactions (see faiss-index-blob.ts for why). Other factories insert
 * through vss0, one index rewrite per transaction; HNSW gets its efConstruction and efSearch set in
 * the serialised empty index before the first vector goes in.
 *
 * A Flat index can be split into S shards (vss0 tables; row r lives in shard r % S) that are
 * scanned at the same time: shard 0 by this thread, shards 1..S−1 by worker threads with their own
 * connections (vss-shard-pool.ts), started on the first search. vss0 scans on one thread, memory
 * bound, so S threads on S cores cut a query's latency nearly S-fold. This thread never uses the
 * vss0 tables of shards ≥ 1 (that would load their vectors here too); their index and data shadow
 * tables are written directly.
 */
export class VssVectorStore extends SqliteVectorStore {
  readonly kind = 'vss';
  readonly factory: string;
  readonly settings: VectorStoreSettings;
  private trained: boolean;
  /** Flat,IDMap2: vectors of rows inserted since the last finishBatch */
  private readonly pending: { rowid: number; vector: Float32Array }[] = [];
  readonly shards: number;
  private shardPool: VssShardPool | undefined;
  /** rows in each shard's index, read once per connection */
  private shardCounts: number[] | undefined;

  private constructor(db: Db, path: string, dims: number, factory: string, trained: boolean, tuning: IndexTuning, options: Partial<VectorStoreOptions>) {
    super(db, path, dims, options.batchRows ?? DEFAULT_BATCH_ROWS, options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS);
    this.factory = factory;
    this.trained = trained;
    this.shards = options.shards ?? 1;
    this.settings = { kind: 'vss', factory, ...tuning, ...(this.shards > 1 ? { shards: this.shards } : {}) };
  }

  static create(path: string, dims: number, options: VectorStoreOptions): VssVectorStore {
    const factory = options.factory ?? DEFAULT_VSS_FACTORY;
    if (!FACTORY.test(factory)) {
      throw new EngineError(
        'invalid-input',
        `semantic.index "${factory}" is not a Faiss index factory string (e.g. Flat,IDMap2 or HNSW32,IDMap2 or IVF256,Flat,IDMap2)`,
        { field: 'index' },
      );
    }
    if (!/IDMap2/.test(factory)) {
      throw new EngineError('invalid-input', `semantic.index "${factory}" must include IDMap2 (sqlite-vss maps rows to Faiss ids through it)`, {
        field: 'index',
      });
    }
    // createVectorStore has checked that shards > 1 comes with the Flat factory
    const shards = options.shards ?? 1;
    const tuning = tuningFor(factory, options);
    const isTuned = Object.keys(tuning).length > 0;
    const db = new Database(path);
    try {
      loadVssInto(db);
      const categoryColumns = options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS;
      createSchema(db, {
        kind: 'vss',
        dims: String(dims),
        factory,
        categoryColumns: JSON.stringify(categoryColumns),
        trained: String(ivfLists(factory) === 0),
        shards: String(shards),
        tuning: JSON.stringify(tuning),
      });
      for (let s = 0; s < shards; s++) {
        db.exec(`CREATE VIRTUAL TABLE ${shardTable(s)} USING vss0(embedding(${dims}) factory="${factory}" metric_type=INNER_PRODUCT)`);
      }
      if (isTuned) {
        const blob = tuned(readIndexBlob(db), tuning);
        writeShadowTables(db, () => writeIndexBlob(db, blob));
      }
    } catch (err) {
      db.close();
      throw err;
    }
    const store = new VssVectorStore(db, path, dims, factory, ivfLists(factory) === 0, tuning, options);
    // this connection's vss0 table still holds the index it created, with Faiss's default parameters;
    // a sharded store's connection must not hold the vss0 tables of shards ≥ 1
    if (isTuned || shards > 1) store.reconnect();
    return store;
  }

  static open(db: Db, path: string): VssVectorStore {
    loadVssInto(db);
    const meta = readMeta(db);
    const tuning = JSON.parse(meta.tuning ?? '{}') as IndexTuning;
    return new VssVectorStore(db, path, Number(meta.dims), meta.factory ?? DEFAULT_VSS_FACTORY, meta.trained === 'true', tuning, {
      categoryColumns: JSON.parse(meta.categoryColumns ?? '[]') as string[],
      shards: Number(meta.shards ?? 1),
    });
  }

  protected loadExtension(db: Db): void {
    loadVssInto(db);
  }

  /** the shard workers read the file as it was when they started */
  protected override reconnect(): void {
    this.closeShardPool();
    super.reconnect();
  }

  override close(): void {
    this.closeShardPool();
    super.close();
  }

  private closeShardPool(): void {
    this.shardPool?.close();
    this.shardPool = undefined;
    this.shardCounts = undefined;
  }

  private get bulkLoaded(): boolean {
    return this.factory === DEFAULT_VSS_FACTORY;
  }

  override get needsTraining(): boolean {
    return !this.trained;
  }

  override async train(vectors: Float32Array, ctx: TaskContext): Promise<void> {
    const lists = ivfLists(this.factory);
    if (lists === 0) return;
    const n = vectors.length / this.dims;
    // Faiss aborts the process (not a catchable error) when k-means has fewer points than centroids
    if (!Number.isInteger(n) || n < lists) {
      throw new EngineError(
        'invalid-input',
        `index ${this.factory} needs at least ${lists} training vectors, got ${n}: use fewer lists (IVF<n>) or Flat,IDMap2`,
        { field: 'index' },
      );
    }
    throwIfCancelled(ctx.signal);
    const insert = this.statement("INSERT INTO vss_items (operation, embedding) VALUES ('training', ?)");
    this.db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(toBlob(vectors.subarray(i * this.dims, (i + 1) * this.dims)));
    })();
    this.statement("UPDATE meta SET value = 'true' WHERE key = 'trained'").run();
    this.trained = true;
    ctx.progress({ stage: 'index.train', current: n, total: n, unit: 'vectors' });
  }

  protected insertVector(rowid: number, vector: Float32Array): void {
    if (this.bulkLoaded) this.pending.push({ rowid, vector });
    else this.statement('INSERT INTO vss_items (rowid, embedding) VALUES (?, ?)').run(rowid, toBlob(vector));
  }

  /** Flat,IDMap2: appends the vectors of committed rows (a rolled-back transaction's are dropped) to the index. */
  protected override finishBatch(): void {
    if (this.pending.length === 0) return;
    const committed = new Set(this.statement('SELECT rowid FROM items WHERE rowid >= ?').pluck().all(this.pending[0]!.rowid) as number[]);
    const rows = this.pending.splice(0).filter((r) => committed.has(r.rowid));
    if (rows.length === 0) return;
    const byShard = Array.from({ length: this.shards }, () => [] as typeof rows);
    for (const r of rows) byShard[r.rowid % this.shards]!.push(r);
    // one transaction for all shards; one shard's copy of its index in memory at a time
    writeShadowTables(this.db, () => {
      byShard.forEach((shardRows, s) => {
        if (shardRows.length === 0) return;
        const table = shardTable(s);
        const insertData = this.db.prepare(`INSERT INTO ${table}_data (rowid, _) VALUES (?, NULL)`);
        for (const r of shardRows) insertData.run(r.rowid);
        const blob = appendToFlatIndex(
          readIndexBlob(this.db, table),
          shardRows.map((r) => ({ id: r.rowid, vector: r.vector })),
        );
        writeIndexBlob(this.db, blob, table);
      });
    });
    this.reconnect();
  }

  /** rows in each shard's Faiss index: vss0 aborts the process when asked to search an empty one */
  private countsByShard(): number[] {
    this.shardCounts ??= Array.from(
      { length: this.shards },
      (_, s) =>
        this.statement(`SELECT count(*) FROM ${shardTable(s)}_data`)
          .pluck()
          .get() as number,
    );
    return this.shardCounts;
  }

  override count(): number {
    if (this.shards === 1) return this.statement('SELECT count(*) FROM vss_items_data').pluck().get() as number;
    return this.countsByShard().reduce((a, b) => a + b, 0);
  }

  /** k nearest in shard 0 (this connection's vss0 table), best first */
  private nearestInShard0(query: Buffer, k: number): Neighbour[] {
    // inner product of unit vectors is the cosine; Faiss returns it as the "distance", best first
    return this.statement<[Buffer, number], { rowid: number; distance: number }>('SELECT rowid, distance FROM vss_items WHERE vss_search(embedding, ?) LIMIT ?')
      .all(query, k)
      .map((r) => ({ rowid: r.rowid, score: r.distance }));
  }

  protected nearest(query: Buffer, k: number): Neighbour[] {
    if (this.shards === 1) return this.nearestInShard0(query, k);
    const counts = this.countsByShard();
    const ks = new Map<number, number>();
    for (let s = 1; s < this.shards; s++) if (counts[s]! > 0) ks.set(s, Math.min(k, counts[s]!));
    const scanOwn = () => (counts[0]! > 0 ? this.nearestInShard0(query, Math.min(k, counts[0]!)) : []);
    const parts = ks.size > 0 ? this.pool().search(query, ks, scanOwn) : [scanOwn()];
    return parts
      .flat()
      .sort((a, b) => b.score - a.score || a.rowid - b.rowid)
      .slice(0, k);
  }

  /** the shard workers, started on first use and again after a failure (which closed them) */
  private pool(): VssShardPool {
    if (this.shardPool?.isClosed) this.shardPool = undefined;
    this.shardPool ??= new VssShardPool({
      path: this.path,
      dims: this.dims,
      tables: new Map(Array.from({ length: this.shards - 1 }, (_, i) => [i + 1, shardTable(i + 1)])),
    });
    return this.shardPool;
  }
}
