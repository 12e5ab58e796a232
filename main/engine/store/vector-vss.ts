import Database from 'better-sqlite3';
import { ExtensionLoadError, loadVss } from '../../../native/extensions.ts';
import { EngineError, throwIfCancelled } from '../contracts/errors.ts';
import type { TaskContext } from '../jobs/context.ts';
import { decodeFlatIndex, encodeFlatIndex, withHnswParameters } from './faiss-index-blob.ts';
import type { HnswSearchParameters } from './faiss-index-blob.ts';
import { createSchema, readMeta, SqliteVectorStore, toBlob } from './vector-base.ts';
import type { Db, Neighbour } from './vector-base.ts';
import { DEFAULT_BATCH_ROWS, DEFAULT_CATEGORY_COLUMNS, DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH, DEFAULT_VSS_FACTORY } from './vector-store.ts';
import type { VectorStoreOptions, VectorStoreSettings } from './vector-store.ts';

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

const isHnsw = (factory: string) => /^HNSW\d+,IDMap2$/.test(factory);

function readIndexBlob(db: Db): Buffer {
  return db.prepare('SELECT idx FROM vss_items_index WHERE rowid = 0').pluck().get() as Buffer;
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
 */
export class VssVectorStore extends SqliteVectorStore {
  readonly kind = 'vss';
  readonly factory: string;
  readonly settings: VectorStoreSettings;
  private trained: boolean;
  /** Flat,IDMap2: vectors of rows inserted since the last finishBatch */
  private readonly pending: { rowid: number; vector: Float32Array }[] = [];

  private constructor(db: Db, path: string, dims: number, factory: string, trained: boolean, hnsw: HnswSearchParameters | null, options: Partial<VectorStoreOptions>) {
    super(db, path, dims, options.batchRows ?? DEFAULT_BATCH_ROWS, options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS);
    this.factory = factory;
    this.trained = trained;
    this.settings = { kind: 'vss', factory, ...hnsw };
  }

  static create(path: string, dims: number, options: VectorStoreOptions): VssVectorStore {
    const factory = options.factory ?? DEFAULT_VSS_FACTORY;
    if (!FACTORY.test(factory)) {
      throw new EngineError('invalid-input', `semantic.index "${factory}" is not a Faiss index factory string (e.g. Flat,IDMap2 or HNSW32,IDMap2 or IVF256,Flat,IDMap2)`, { field: 'index' });
    }
    if (!/IDMap2/.test(factory)) {
      throw new EngineError('invalid-input', `semantic.index "${factory}" must include IDMap2 (sqlite-vss maps rows to Faiss ids through it)`, { field: 'index' });
    }
    const hnsw: HnswSearchParameters | null = isHnsw(factory)
      ? { efConstruction: options.efConstruction ?? DEFAULT_EF_CONSTRUCTION, efSearch: options.efSearch ?? DEFAULT_EF_SEARCH }
      : null;
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
        ...(hnsw ? { efConstruction: String(hnsw.efConstruction), efSearch: String(hnsw.efSearch) } : {}),
      });
      db.exec(`CREATE VIRTUAL TABLE vss_items USING vss0(embedding(${dims}) factory="${factory}" metric_type=INNER_PRODUCT)`);
      if (hnsw) {
        const blob = withHnswParameters(readIndexBlob(db), hnsw);
        writeShadowTables(db, () => db.prepare('UPDATE vss_items_index SET idx = ? WHERE rowid = 0').run(blob));
      }
    } catch (err) {
      db.close();
      throw err;
    }
    const store = new VssVectorStore(db, path, dims, factory, ivfLists(factory) === 0, hnsw, options);
    // this connection's vss0 table still holds the index it created, with Faiss's default ef values
    if (hnsw) store.reconnect();
    return store;
  }

  static open(db: Db, path: string): VssVectorStore {
    loadVssInto(db);
    const meta = readMeta(db);
    const hnsw = meta.efConstruction && meta.efSearch ? { efConstruction: Number(meta.efConstruction), efSearch: Number(meta.efSearch) } : null;
    return new VssVectorStore(db, path, Number(meta.dims), meta.factory ?? DEFAULT_VSS_FACTORY, meta.trained === 'true', hnsw, {
      categoryColumns: JSON.parse(meta.categoryColumns ?? '[]') as string[],
    });
  }

  protected loadExtension(db: Db): void {
    loadVssInto(db);
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
      throw new EngineError('invalid-input', `index ${this.factory} needs at least ${lists} training vectors, got ${n}: use fewer lists (IVF<n>) or Flat,IDMap2`, { field: 'index' });
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
    const current = decodeFlatIndex(readIndexBlob(this.db));
    const before = current.ids.length;
    const vectors = new Float32Array((before + rows.length) * this.dims);
    vectors.set(current.vectors);
    const ids = new BigInt64Array(before + rows.length);
    ids.set(current.ids);
    rows.forEach((r, i) => {
      vectors.set(r.vector, (before + i) * this.dims);
      ids[before + i] = BigInt(r.rowid);
    });
    const blob = encodeFlatIndex({ dims: this.dims, vectors, ids });
    writeShadowTables(this.db, () => {
      const insertData = this.db.prepare('INSERT INTO vss_items_data (rowid, _) VALUES (?, NULL)');
      for (const r of rows) insertData.run(r.rowid);
      this.db.prepare('UPDATE vss_items_index SET idx = ? WHERE rowid = 0').run(blob);
    });
    this.reconnect();
  }

  /** rows in the Faiss index: vss0 aborts the process when asked to search an empty one */
  override count(): number {
    return this.statement('SELECT count(*) FROM vss_items_data').pluck().get() as number;
  }

  protected nearest(query: Buffer, k: number): Neighbour[] {
    // inner product of unit vectors is the cosine; Faiss returns it as the "distance", best first
    return this.statement<[Buffer, number], { rowid: number; distance: number }>('SELECT rowid, distance FROM vss_items WHERE vss_search(embedding, ?) LIMIT ?')
      .all(query, k)
      .map((r) => ({ rowid: r.rowid, score: r.distance }));
  }

  protected vectorBlob(rowid: number): Buffer | undefined {
    return this.statement<[number], Buffer>('SELECT embedding FROM vss_items WHERE rowid = ?').pluck().get(rowid);
  }
}
