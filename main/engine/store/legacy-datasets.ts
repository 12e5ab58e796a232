import { openDuck, positions, tableFromColumns } from '../data/duck.ts';
import { loadCatalogTable, writeDatasetFiles } from './dataset-files.ts';
import { reclaimSpace, type Db } from './db.ts';

/** The tables that held a dataset's rows before datasets were stored as Parquet files. */
export const LEGACY_TABLES = ['interactions', 'items', 'dataset_users', 'dataset_items'] as const;

interface LegacyRow {
  id: number;
  n_interactions: number;
  has_rating: number;
  catalog_id_column: string | null;
  catalog_columns: string | null;
}

/**
 * Converts every ready dataset whose rows are still in the database (imported before Parquet) into
 * its Parquet files, then deletes the rows and gives their pages back; returns how many were converted. A dataset's files are
 * in place before its row says 'parquet', so an interrupted conversion is simply done again.
 */
export async function convertLegacyDatasets(db: Db, spillDir: string): Promise<number> {
  const legacy = db.prepare(`SELECT * FROM datasets WHERE state = 'ready' AND storage = 'sqlite'`).all() as LegacyRow[];
  for (const ds of legacy) await convert(db, ds, spillDir);
  if (legacy.length) reclaimSpace(db);
  return legacy.length;
}

async function convert(db: Db, ds: LegacyRow, spillDir: string): Promise<void> {
  const duck = await openDuck(spillDir);
  try {
    const ids = (table: string, col: string) => db.prepare(`SELECT ${col} FROM ${table} WHERE dataset_id = ? ORDER BY idx`).pluck().all(ds.id) as string[];
    const userIds = ids('dataset_users', 'user');
    const itemIds = ids('dataset_items', 'item');
    await tableFromColumns(duck, 'users', { idx: positions(userIds.length), user_id: userIds });
    await tableFromColumns(duck, 'items', { idx: positions(itemIds.length), item_id: itemIds });
    const n = ds.n_interactions;
    const user = new Int32Array(n);
    const item = new Int32Array(n);
    const ts = new Float64Array(n);
    const rating = new Float32Array(n);
    let k = 0;
    const rows = db.prepare('SELECT user, item, rating, ts FROM interactions WHERE dataset_id = ?').raw().iterate(ds.id) as IterableIterator<
      [number, number, number | null, number]
    >;
    for (const [u, i, r, t] of rows) {
      user[k] = u;
      item[k] = i;
      ts[k] = t;
      rating[k] = r ?? Number.NaN;
      k++;
    }
    await tableFromColumns(duck, 'legacy_events', { user, item, ts, rating });
    await duck.conn.run(`CREATE TABLE events AS SELECT "user", item, ${ds.has_rating ? 'rating' : 'NULL::FLOAT'} AS rating, ts FROM legacy_events`);
    const catalog = ds.catalog_columns !== null && ds.catalog_id_column !== null;
    if (catalog) {
      const rows = (db.prepare('SELECT fields FROM items WHERE dataset_id = ? ORDER BY pos').pluck().all(ds.id) as string[]).map(
        (f) => JSON.parse(f) as Record<string, string>,
      );
      await loadCatalogTable(duck, { idColumn: ds.catalog_id_column!, columns: JSON.parse(ds.catalog_columns!) as string[], rows });
    }
    await writeDatasetFiles(db, duck, ds.id, catalog);
  } finally {
    duck.close();
  }
  db.transaction(() => {
    for (const table of LEGACY_TABLES) db.prepare(`DELETE FROM ${table} WHERE dataset_id = ?`).run(ds.id);
    db.prepare(`UPDATE datasets SET storage = 'parquet' WHERE id = ?`).run(ds.id);
  })();
}
