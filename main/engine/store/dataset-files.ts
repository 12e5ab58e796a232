import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { INTEGER } from '@duckdb/node-api';
import { openDuck, positions, readNumericColumns, readTextColumn, sqlText, tableFromColumns, type Duck, type LoadColumn } from '../data/duck.ts';
import type { InteractionTable, ItemCatalog } from '../data/types.ts';
import type { Db } from './db.ts';

/**
 * A dataset's files: Parquet (snappy) that pandas, polars, DuckDB and Spark read as they are.
 *   interactions.parquet  user INTEGER, item INTEGER, rating FLOAT (NULL without ratings), ts DOUBLE (epoch seconds),
 *                         one event per (user, item), ordered by user then item
 *   users.parquet         idx INTEGER, user_id VARCHAR: the external id of each user index
 *   items.parquet         idx INTEGER, item_id VARCHAR: the external id of each item index (the catalog's items first)
 *   catalog.parquet       the catalog's columns as text, in their order, one row per item in catalog order (only
 *                         with a catalog); a name DuckDB cannot tell from an earlier one (it folds case) gets _2, _3, …
 * A dataset is written under `<id>.staging-<pid>-<thread>` and renamed into place whole, before its row says 'ready'.
 */
export const DATASET_FILES = { interactions: 'interactions.parquet', users: 'users.parquet', items: 'items.parquet', catalog: 'catalog.parquet' } as const;

/** The folder holding every dataset's files, beside the workspace database. */
export const datasetsRoot = (db: Db) => join(dirname(db.name), 'datasets');
export const datasetDir = (db: Db, id: number | string) => join(datasetsRoot(db), String(id));
/** A writer's own staging folder: two processes converting or importing never write into one. */
const stagingDir = (db: Db, id: number | string) => `${datasetDir(db, id)}.staging-${process.pid}-${threadId}`;

// Snappy: the codec every Parquet reader has (pyarrow's and Spark's default; hyparquet reads it without add-ons).
const PARQUET = `(FORMAT parquet, COMPRESSION snappy)`;

/**
 * Writes the tables (or views) `events`, `users`, `items` and, when given, `catalog` of `duck` as
 * dataset `id` and moves them into place in one rename.
 */
export async function writeDatasetFiles(db: Db, duck: Duck, id: number, withCatalog: boolean): Promise<void> {
  const staging = stagingDir(db, id);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const copy = (table: string, file: string) => duck.conn.run(`COPY ${table} TO ${sqlText(join(staging, file))} ${PARQUET}`);
  await copy('(SELECT "user", item, rating::FLOAT AS rating, ts FROM events ORDER BY "user", item)', DATASET_FILES.interactions);
  await copy('(SELECT idx, user_id FROM users ORDER BY idx)', DATASET_FILES.users);
  await copy('(SELECT idx, item_id FROM items ORDER BY idx)', DATASET_FILES.items);
  if (withCatalog) await copy(`(SELECT * EXCLUDE (${CATALOG_ORDER}) FROM catalog ORDER BY ${CATALOG_ORDER})`, DATASET_FILES.catalog);
  rmSync(datasetDir(db, id), { recursive: true, force: true });
  renameSync(staging, datasetDir(db, id));
}

/** Removes a dataset's files (and staging folders failed writes left). */
export function removeDatasetFiles(db: Db, id: number | string): void {
  rmSync(datasetDir(db, id), { recursive: true, force: true });
  const root = datasetsRoot(db);
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) if (entry.startsWith(`${id}.staging-`)) rmSync(join(root, entry), { recursive: true, force: true });
}

/** The catalogue's own row order, a column no source names (dropped from the file). */
const CATALOG_ORDER = '__trainyard_row';

/** Column names DuckDB tells apart (it compares them without case), in order: later clashes get _2, _3, …. */
function distinctNames(columns: readonly string[]): string[] {
  const taken = new Set<string>([CATALOG_ORDER]);
  return columns.map((c) => {
    let name = c;
    for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${c}_${k}`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Loads the catalog rows into `catalog(<order>, <columns as text>)`. */
export async function loadCatalogTable(duck: Duck, catalog: ItemCatalog): Promise<void> {
  const own = [...new Set(catalog.columns)];
  const names = distinctNames(own);
  const columns: Record<string, LoadColumn> = { [CATALOG_ORDER]: positions(catalog.rows.length) };
  own.forEach((c, k) => (columns[names[k]!] = catalog.rows.map((row) => row[c] ?? '')));
  await tableFromColumns(duck, 'catalog', columns);
}

function file(db: Db, id: number | string, name: string): string {
  const path = join(datasetDir(db, id), name);
  if (!existsSync(path))
    throw new EngineError('not-found', `dataset ${id}: its file ${name} is missing from ${datasetsRoot(db)}; import the data again`, {
      datasetId: String(id),
      file: path,
    });
  return sqlText(path);
}

/** The dataset's events as an SQL relation: its interactions file. */
export const storedEvents = (db: Db, id: number | string) => `read_parquet(${file(db, id, DATASET_FILES.interactions)})`;

/** The external id of each user and item index. */
export async function readDatasetIds(db: Db, duck: Duck, id: number | string): Promise<{ userIds: string[]; itemIds: string[] }> {
  return {
    userIds: await readTextColumn(duck, `SELECT user_id FROM read_parquet(${file(db, id, DATASET_FILES.users)}) ORDER BY idx`),
    itemIds: await readTextColumn(duck, `SELECT item_id FROM read_parquet(${file(db, id, DATASET_FILES.items)}) ORDER BY idx`),
  };
}

/** The dataset's events as typed arrays, read column by column from its Parquet files. */
export async function readDatasetEvents(db: Db, duck: Duck, id: number | string, rows: number, hasRating: boolean): Promise<InteractionTable> {
  const { userIds, itemIds } = await readDatasetIds(db, duck, id);
  const [user, item, ts, rating] = await readNumericColumns(
    duck,
    `SELECT "user", item, ts, coalesce(rating, 'NaN'::FLOAT) FROM read_parquet(${file(db, id, DATASET_FILES.interactions)})`,
    rows,
    [Int32Array, Int32Array, Float64Array, Float32Array] as const,
  );
  return { userIds, itemIds, user, item, ts, rating: hasRating ? rating : null };
}

/** The catalog rows, every column as text, in catalog order. */
export async function readDatasetCatalog(db: Db, duck: Duck, id: number | string, columns: string[]): Promise<Record<string, string>[]> {
  const reader = await duck.conn.runAndReadAll(`SELECT * FROM read_parquet(${file(db, id, DATASET_FILES.catalog)})`);
  const values = reader.getColumnsJS();
  // the file's columns are the catalogue's, in order (loadCatalogTable)
  const own = [...new Set(columns)];
  return Array.from({ length: reader.currentRowCount }, (_, r) => {
    const row: Record<string, string> = {};
    own.forEach((c, k) => (row[c] = String(values[k]![r] ?? '')));
    return row;
  });
}

/** One user's events in a dataset: item indices ascending, with each event's time. */
export interface UserEvents {
  items: Int32Array;
  ts: Float64Array;
}

/**
 * Reads single users' events from a dataset's interactions file, for serving: the file is ordered
 * by user, so DuckDB reads only the row groups whose user range holds the one asked for, and no
 * request ever holds the whole log in memory.
 */
export interface UserEventsReader {
  of(datasetUser: number): Promise<UserEvents>;
  close(): void;
}

export async function openUserEvents(db: Db, id: number | string): Promise<UserEventsReader> {
  const path = file(db, id, DATASET_FILES.interactions);
  const duck = await openDuck();
  return {
    async of(datasetUser) {
      const reader = await duck.conn.runAndReadAll(`SELECT item, ts FROM read_parquet(${path}) WHERE "user" = $1 ORDER BY item`, [datasetUser], [INTEGER]);
      const [items, ts] = reader.getColumnsJS() as [number[], number[]];
      return { items: Int32Array.from(items ?? []), ts: Float64Array.from(ts ?? []) };
    },
    close: () => duck.close(),
  };
}
