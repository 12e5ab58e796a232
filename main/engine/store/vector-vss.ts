import Database from 'better-sqlite3';
import { ExtensionLoadError, loadVss } from '../../../native/extensions.ts';
import { EngineError, throwIfCancelled } from '../contracts/errors.ts';
import type { TaskContext } from '../jobs/context.ts';
import { createSchema, readMeta, SqliteVectorStore, toBlob } from './vector-base.ts';
import type { Db, Neighbour } from './vector-base.ts';
import { DEFAULT_BATCH_ROWS, DEFAULT_CATEGORY_COLUMNS, DEFAULT_EF_SEARCH, DEFAULT_VSS_FACTORY } from './vector-store.ts';
import type { VectorStoreOptions } from './vector-store.ts';

const FACTORY = /^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/;

export function loadVssInto(db: Db): void {
  try {
    loadVss(db);
  } catch (err) {
    if (err instanceof ExtensionLoadError) throw new EngineError('invalid-input', err.message, { hint: err.hint });
    throw err;
  }
}

/** Number of inverted lists of an IVF factory string, or 0 when the index needs no training. */
function ivfLists(factory: string): number {
  const m = /(?:^|,)IVF(\d+)/.exec(factory);
  return m ? Number(m[1]) : 0;
}

/** sqlite-vss: a Faiss index (factory configurable) inside SQLite, inner-product metric. */
export class VssVectorStore extends SqliteVectorStore {
  readonly kind = 'vss';
  readonly factory: string;
  /** candidates fetched per query: k, or efSearch for HNSW (see VectorStoreOptions.efSearch) */
  private readonly candidates: number;
  private trained: boolean;
  private readonly insertStmt: Database.Statement<[number, Buffer]>;
  private readonly searchStmt: Database.Statement<[Buffer, number], { rowid: number; distance: number }>;
  private readonly vectorStmt: Database.Statement<[number], Buffer>;

  private constructor(db: Db, path: string, dims: number, factory: string, trained: boolean, options: Partial<VectorStoreOptions>) {
    super(db, path, dims, options.batchRows ?? DEFAULT_BATCH_ROWS, options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS);
    this.factory = factory;
    this.candidates = /HNSW/.test(factory) ? (options.efSearch ?? DEFAULT_EF_SEARCH) : 0;
    this.trained = trained;
    this.insertStmt = db.prepare('INSERT INTO vss_items (rowid, embedding) VALUES (?, ?)');
    this.searchStmt = db.prepare('SELECT rowid, distance FROM vss_items WHERE vss_search(embedding, ?) LIMIT ?');
    this.vectorStmt = db.prepare<[number], Buffer>('SELECT embedding FROM vss_items WHERE rowid = ?').pluck();
  }

  static create(path: string, dims: number, options: VectorStoreOptions): VssVectorStore {
    const factory = options.factory ?? DEFAULT_VSS_FACTORY;
    if (!FACTORY.test(factory)) {
      throw new EngineError('invalid-input', `semantic.factory "${factory}" is not a Faiss index factory string (e.g. Flat,IDMap2 or HNSW32,IDMap2 or IVF256,Flat,IDMap2)`, { field: 'factory' });
    }
    if (!/IDMap2/.test(factory)) {
      throw new EngineError('invalid-input', `semantic.factory "${factory}" must include IDMap2 (sqlite-vss maps rows to Faiss ids through it)`, { field: 'factory' });
    }
    const db = new Database(path);
    try {
      loadVssInto(db);
      const categoryColumns = options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS;
      createSchema(db, {
        kind: 'vss',
        dims: String(dims),
        factory,
        efSearch: String(options.efSearch ?? DEFAULT_EF_SEARCH),
        categoryColumns: JSON.stringify(categoryColumns),
        trained: String(ivfLists(factory) === 0),
      });
      db.exec(`CREATE VIRTUAL TABLE vss_items USING vss0(embedding(${dims}) factory="${factory}" metric_type=INNER_PRODUCT)`);
    } catch (err) {
      db.close();
      throw err;
    }
    return new VssVectorStore(db, path, dims, factory, ivfLists(factory) === 0, options);
  }

  static open(db: Db, path: string): VssVectorStore {
    loadVssInto(db);
    const meta = readMeta(db);
    return new VssVectorStore(db, path, Number(meta.dims), meta.factory ?? DEFAULT_VSS_FACTORY, meta.trained === 'true', {
      categoryColumns: JSON.parse(meta.categoryColumns ?? '[]') as string[],
      efSearch: Number(meta.efSearch ?? DEFAULT_EF_SEARCH),
    });
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
      throw new EngineError('invalid-input', `factory ${this.factory} needs at least ${lists} training vectors, got ${n}: use fewer lists (IVF<n>) or Flat,IDMap2`, { field: 'factory' });
    }
    throwIfCancelled(ctx.signal);
    const insert = this.db.prepare("INSERT INTO vss_items (operation, embedding) VALUES ('training', ?)");
    this.db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(toBlob(vectors.subarray(i * this.dims, (i + 1) * this.dims)));
    })();
    this.db.prepare("UPDATE meta SET value = 'true' WHERE key = 'trained'").run();
    this.trained = true;
    ctx.progress({ stage: 'index.train', current: n, total: n, unit: 'vectors' });
  }

  protected insertVector(rowid: number, blob: Buffer): void {
    this.insertStmt.run(rowid, blob);
  }

  protected nearest(query: Buffer, k: number): Neighbour[] {
    // inner product of unit vectors is the cosine; Faiss returns it as the "distance", best first
    return this.searchStmt
      .all(query, Math.max(k, this.candidates))
      .slice(0, k)
      .map((r) => ({ rowid: r.rowid, score: r.distance }));
  }

  protected vectorBlob(rowid: number): Buffer | undefined {
    return this.vectorStmt.get(rowid);
  }
}
