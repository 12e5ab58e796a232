import Database from 'better-sqlite3';
import { ExtensionLoadError, loadVec } from './extensions.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import { createSchema, readMeta, SqliteVectorStore, toBlob } from './vector-base.ts';
import type { Db, Neighbour } from './vector-base.ts';
import { DEFAULT_BATCH_ROWS, DEFAULT_CATEGORY_COLUMNS } from './vector-store.ts';
import type { VectorStoreOptions, VectorStoreSettings } from './vector-store.ts';

/** sqlite-vec's ceiling on k in one KNN query */
const MAX_K = 4096;

function loadVecInto(db: Db): void {
  try {
    loadVec(db);
  } catch (err) {
    if (err instanceof ExtensionLoadError) throw new EngineError('invalid-input', err.message, { hint: err.hint });
    throw err;
  }
}

/** sqlite-vec: an exact (brute-force) vec0 table with the cosine metric; runs on every platform. */
export class VecVectorStore extends SqliteVectorStore {
  readonly kind = 'vec';
  readonly settings: VectorStoreSettings = { kind: 'vec', factory: null };

  private constructor(db: Db, path: string, dims: number, options: Partial<VectorStoreOptions>) {
    super(db, path, dims, options.batchRows ?? DEFAULT_BATCH_ROWS, options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS);
  }

  static create(path: string, dims: number, options: VectorStoreOptions): VecVectorStore {
    const db = new Database(path);
    try {
      loadVecInto(db);
      createSchema(db, { kind: 'vec', dims: String(dims), categoryColumns: JSON.stringify(options.categoryColumns ?? DEFAULT_CATEGORY_COLUMNS) });
      db.exec(`CREATE VIRTUAL TABLE vec_items USING vec0(embedding float[${dims}] distance_metric=cosine)`);
    } catch (err) {
      db.close();
      throw err;
    }
    return new VecVectorStore(db, path, dims, options);
  }

  static open(db: Db, path: string): VecVectorStore {
    loadVecInto(db);
    const meta = readMeta(db);
    return new VecVectorStore(db, path, Number(meta.dims), { categoryColumns: JSON.parse(meta.categoryColumns ?? '[]') as string[] });
  }

  protected loadExtension(db: Db): void {
    loadVecInto(db);
  }

  private checkK(k: number): void {
    if (k > MAX_K) throw new EngineError('invalid-input', `k is at most ${MAX_K} with the vec store, got ${k}`, { field: 'k' });
  }

  protected insertVector(rowid: number, vector: Float32Array): void {
    // vec0 rejects rowids bound as JavaScript numbers (REAL); BigInt binds as INTEGER
    this.statement('INSERT INTO vec_items (rowid, embedding) VALUES (?, ?)').run(BigInt(rowid), toBlob(vector));
  }

  protected nearest(query: Buffer, k: number): Neighbour[] {
    this.checkK(k);
    return this.statement<[Buffer, number], { rowid: number; distance: number }>('SELECT rowid, distance FROM vec_items WHERE embedding MATCH ? AND k = ?')
      .all(query, k)
      .map((r) => ({ rowid: r.rowid, score: 1 - r.distance }));
  }

  protected override nearestInCategory(query: Buffer, k: number, category: string): Neighbour[] {
    this.checkK(k);
    return this.statement<[Buffer, number, string], { rowid: number; distance: number }>(
      'SELECT rowid, distance FROM vec_items WHERE embedding MATCH ? AND k = ? AND rowid IN (SELECT rowid FROM item_categories WHERE category = ?)',
    )
      .all(query, k, category)
      .map((r) => ({ rowid: r.rowid, score: 1 - r.distance }));
  }
}
