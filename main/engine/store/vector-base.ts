import Database from 'better-sqlite3';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { SearchFilter, VectorHit, VectorRow, VectorStore, VectorStoreKind, VectorStoreSettings } from './vector-store.ts';

export type Db = Database.Database;

export interface Neighbour {
  rowid: number;
  score: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS items (rowid INTEGER PRIMARY KEY, item TEXT NOT NULL UNIQUE, metadata TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS item_categories (
    category TEXT NOT NULL COLLATE NOCASE, rowid INTEGER NOT NULL, PRIMARY KEY (category, rowid)
  ) WITHOUT ROWID;
`;

export function createSchema(db: Db, meta: Record<string, string>): void {
  db.exec(SCHEMA);
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (const [k, v] of Object.entries(meta)) put.run(k, v);
  })();
}

export function readMeta(db: Db): Record<string, string> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function categoriesOf(metadata: Record<string, string>, columns: readonly string[]): string[] {
  const out = new Set<string>();
  const wanted = new Set(columns.map((c) => c.toLowerCase()));
  for (const [key, value] of Object.entries(metadata)) {
    if (!wanted.has(key.toLowerCase())) continue;
    for (const part of value.split(/[|;,]/)) {
      const c = part.trim();
      if (c) out.add(c);
    }
  }
  return [...out];
}

/**
 * What both backends share: the items and categories tables, batched transactional inserts with
 * progress and cancellation, metadata joins and category filtering. Subclasses own the vector table.
 */
export abstract class SqliteVectorStore implements VectorStore {
  abstract readonly kind: VectorStoreKind;
  abstract readonly settings: VectorStoreSettings;
  readonly path: string;
  readonly dims: number;
  protected readonly batchRows: number;
  protected readonly categoryColumns: string[];
  private connection: Db;
  private readonly statements = new Map<string, Database.Statement>();

  protected constructor(db: Db, path: string, dims: number, batchRows: number, categoryColumns: string[]) {
    this.connection = db;
    this.path = path;
    this.dims = dims;
    this.batchRows = batchRows;
    this.categoryColumns = categoryColumns;
  }

  protected get db(): Db {
    return this.connection;
  }

  /** prepared once per connection */
  protected statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt as Database.Statement<P, R>;
  }

  /** Opens a fresh connection to the file (sqlite-vss reads its Faiss index only when a connection first uses the table). */
  protected reconnect(): void {
    this.statements.clear();
    this.connection.close();
    const db = new Database(this.path, { fileMustExist: true });
    try {
      this.loadExtension(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.connection = db;
  }

  protected abstract loadExtension(db: Db): void;

  get needsTraining(): boolean {
    return false;
  }

  async train(_vectors: Float32Array, _ctx: TaskContext): Promise<void> {}

  /** runs inside the transaction that inserts the item's row */
  protected abstract insertVector(rowid: number, vector: Float32Array): void;
  /** runs once after addBatch's transactions, also when one failed or the job was cancelled */
  protected finishBatch(): void {}
  /** k nearest by cosine, best first; k ≤ count() */
  protected abstract nearest(query: Buffer, k: number): Neighbour[];

  /** k nearest among the rowids of one category; the default over-fetches and filters */
  protected nearestInCategory(query: Buffer, k: number, category: string): Neighbour[] {
    const allowed = new Set(this.statement('SELECT rowid FROM item_categories WHERE category = ?').pluck().all(category) as number[]);
    if (allowed.size === 0) return [];
    const total = this.count();
    let fetch = Math.min(total, k * Math.ceil((2 * total) / allowed.size));
    for (;;) {
      const hits = this.nearest(query, fetch).filter((h) => allowed.has(h.rowid));
      if (hits.length >= k || fetch >= total) return hits.slice(0, k);
      fetch = Math.min(total, fetch * 4);
    }
  }

  async addBatch(rows: readonly VectorRow[], ctx: TaskContext): Promise<void> {
    if (this.needsTraining) throw new EngineError('invalid-input', `${this.path}: the IVF index must be trained (train) before vectors are added`);
    rows.forEach((r, i) => {
      if (r.vector.length !== this.dims) {
        throw new EngineError('invalid-input', `row ${i} (item ${r.item}): vector has ${r.vector.length} dimensions, the store ${this.dims}`, {
          field: 'vector',
        });
      }
      if (!r.vector.every(Number.isFinite))
        throw new EngineError('invalid-input', `row ${i} (item ${r.item}): vector contains NaN or infinity`, { field: 'vector' });
    });
    const insertItem = this.statement('INSERT INTO items (rowid, item, metadata) VALUES (?, ?, ?)');
    const insertCategory = this.statement('INSERT OR IGNORE INTO item_categories (category, rowid) VALUES (?, ?)');
    let next = ((this.statement('SELECT max(rowid) FROM items').pluck().get() as number | null) ?? 0) + 1;
    const writeChunk = this.db.transaction((chunk: readonly VectorRow[]) => {
      for (const r of chunk) {
        const rowid = next++;
        try {
          insertItem.run(rowid, r.item, JSON.stringify(r.metadata));
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
            throw new EngineError('invalid-input', `item id "${r.item}" occurs twice: item ids must be unique in the catalogue`, {
              field: 'item',
              item: r.item,
            });
          }
          throw err;
        }
        for (const c of categoriesOf(r.metadata, this.categoryColumns)) insertCategory.run(c, rowid);
        this.insertVector(rowid, r.vector);
      }
    });
    try {
      for (let start = 0; start < rows.length; start += this.batchRows) {
        throwIfCancelled(ctx.signal);
        const before = next;
        try {
          writeChunk(rows.slice(start, start + this.batchRows));
        } catch (err) {
          next = before;
          throw err;
        }
        const done = Math.min(rows.length, start + this.batchRows);
        ctx.progress({ stage: 'index', current: done, total: rows.length, unit: 'vectors' });
        // let cancellation and progress events through between transactions
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.finishBatch();
    }
  }

  search(vector: Float32Array, k: number, filter: SearchFilter = {}): VectorHit[] {
    if (vector.length !== this.dims) {
      throw new EngineError('invalid-input', `query vector has ${vector.length} dimensions, the index ${this.dims}`, { field: 'vector' });
    }
    if (!Number.isInteger(k) || k < 1) throw new EngineError('invalid-input', `k must be a positive integer, got ${k}`, { field: 'k' });
    const total = this.count();
    if (total === 0) return [];
    const query = toBlob(vector);
    const hits = filter.category !== undefined ? this.nearestInCategory(query, Math.min(k, total), filter.category) : this.nearest(query, Math.min(k, total));
    const itemStmt = this.statement<[number], { item: string; metadata: string }>('SELECT item, metadata FROM items WHERE rowid = ?');
    return hits.map((h) => {
      const row = itemStmt.get(h.rowid)!;
      return { item: row.item, score: h.score, metadata: JSON.parse(row.metadata) as Record<string, string> };
    });
  }

  count(): number {
    return this.statement('SELECT count(*) FROM items').pluck().get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
