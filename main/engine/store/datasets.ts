import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { DatasetProfile, ImportArgs } from '../../common/contracts/api.ts';
import { EngineError, clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import { checkMapping } from '../data/columns.ts';
import { checkRegularFile } from '../data/input-file.ts';
import { catalogProfile, profileDataset } from '../data/profile.ts';
import { readCatalog } from '../data/read-catalog.ts';
import { loadCatalogIds, readEventsTable } from '../data/duck-events.ts';
import { openDuck, removeStaleSpill, type Duck } from '../data/duck.ts';
import { countStored, encodeEvents, tallyEvents } from '../data/encode-events.ts';
import { prepareEvents, preparationKey, type PrepareSpec, type PrepareStep } from '../data/prepare.ts';
import type { InteractionTable, ItemCatalog } from '../data/types.ts';
import type { ProcessOwner } from '../../common/contracts/runs.ts';
import type { TaskContext } from '../common/task-context.ts';
import { currentOwner, ownerAlive } from '../common/process-owner.ts';
import { reclaimSpace, type Db } from './db.ts';
import {
  datasetsRoot,
  loadCatalogTable,
  readDatasetCatalog,
  readDatasetEvents,
  readDatasetIds,
  removeDatasetFiles,
  storedEvents,
  writeDatasetFiles,
} from './dataset-files.ts';
import { LEGACY_TABLES } from './legacy-datasets.ts';
import { storageFailure } from './storage-errors.ts';

/** Bumped when importing the same bytes would give different rows, so old fingerprints stop matching. */
const IMPORT_FORMAT = 1;

export interface DatasetSummary {
  datasetId: string;
  name: string;
  fingerprint: string;
  createdAt: string;
  sources: string[];
  users: number;
  items: number;
  interactions: number;
  hasCatalog: boolean;
}

interface DatasetRow {
  id: number;
  name: string;
  fingerprint: string;
  created_at: string;
  sources: string;
  n_users: number;
  n_items: number;
  n_interactions: number;
  has_rating: number;
  catalog_id_column: string | null;
  catalog_columns: string | null;
  profile: string | null;
}

/** Where rows fetched into temporary files came from (a database query): recorded instead of the files' paths. */
export interface ImportOrigin {
  /** the dataset's sources as shown and stored: never a password */
  sources: string[];
  /** what the fingerprint covers besides the files' bytes and the mapping, e.g. the query */
  fingerprintText: string;
}

/**
 * Imports interactions and/or an item catalog as one dataset and returns its profile. Importing
 * the same files with the same mapping again returns the dataset already there.
 */
export async function importDataset(db: Db, args: ImportArgs, ctx: TaskContext, origin?: ImportOrigin): Promise<DatasetProfile> {
  checkMapping(args.map);
  if (!args.interactions && !args.items)
    throw new EngineError('invalid-input', 'nothing to import: give an interactions file, an items file, or both', {
      hint: '--interactions <file> --items <file>',
    });
  const paths = { interactions: args.interactions && resolve(args.interactions), items: args.items && resolve(args.items) };
  for (const path of [paths.interactions, paths.items]) if (path) checkRegularFile(path);
  if (args.prepare && !args.interactions)
    throw new EngineError('invalid-input', 'preparing the data needs an interaction log: give an interactions file or query', { field: 'prepare' });
  const files = await fingerprintOf(paths, args.map ?? {}, ctx.signal);
  const prepared = args.prepare ? preparationKey(args.prepare) : null;
  const extra = [origin?.fingerprintText, prepared && `prepare ${prepared}`].filter((t) => !!t);
  const fingerprint = extra.length
    ? createHash('sha256')
        .update([files, ...extra].join('\n'))
        .digest('hex')
    : files;
  const sources = origin?.sources ?? [paths.interactions, paths.items].filter((p): p is string => !!p);
  const claim = await claimImport(db, { fingerprint, sources, map: args.map ?? {} }, ctx);
  if ('reuse' in claim) {
    ctx.log('info', `these files were imported before as dataset ${claim.reuse}; reusing it`);
    return getProfile(db, String(claim.reuse))!;
  }
  try {
    return await fillDataset(db, claim.staged, { paths, map: args.map, prepare: args.prepare, fingerprint, sources }, ctx);
  } catch (e) {
    throw abandonImport(db, claim.staged, e, ctx);
  }
}

/**
 * The failure path of an import: its staged rows are removed, the WAL checkpointed first so a
 * full disk has room for the deletion. If that fails too, the first error is still the one
 * reported (a full disk as such) and the rows stay for the cleanup of staged imports whose
 * process is gone, when the workspace is next opened.
 */
function abandonImport(db: Db, staged: number, err: unknown, ctx: TaskContext): unknown {
  const failure = storageFailure(err, db.name) ?? err;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // best effort: the deletion below may still fit
  }
  try {
    deleteDataset(db, String(staged));
  } catch (cleanup) {
    ctx.log(
      'warn',
      `the partly written dataset ${staged} could not be removed (${clipText(String((cleanup as Error).message))}); it is removed when the workspace is next opened`,
    );
  }
  return failure;
}

type Claim = { reuse: number } | { staged: number };
const CLAIM_POLL_MS = 200;

/**
 * Claims the import of these files for this process by staging an empty dataset, or finds them
 * imported already. The check and the insert share one IMMEDIATE transaction, so two importers of
 * the same files (threads or processes) never both stage them: the later one waits for the first
 * and reuses its dataset, or takes over when the first failed or its process died.
 */
async function claimImport(db: Db, source: { fingerprint: string; sources: string[]; map: Record<string, string> }, ctx: TaskContext): Promise<Claim> {
  const claim = db.transaction((): Claim | { waitFor: number } => {
    const ready = db.prepare(`SELECT id FROM datasets WHERE fingerprint = ? AND state = 'ready' ORDER BY id DESC LIMIT 1`).get(source.fingerprint) as
      { id: number } | undefined;
    if (ready) return { reuse: ready.id };
    const staging = db.prepare(`SELECT owner_pid AS pid FROM datasets WHERE fingerprint = ? AND state = 'staging' LIMIT 1`).get(source.fingerprint) as
      { pid: number } | undefined;
    if (staging) return { waitFor: staging.pid };
    const insert = db.prepare(
      `INSERT INTO datasets (name, fingerprint, state, owner_pid, owner, created_at, sources, mapping) VALUES (?, ?, 'staging', ?, ?, ?, ?, ?)`,
    );
    const owner = currentOwner();
    const row = [
      basename(source.sources[0]!),
      source.fingerprint,
      owner.pid,
      JSON.stringify(owner),
      new Date().toISOString(),
      JSON.stringify(source.sources),
      JSON.stringify(source.map),
    ];
    return { staged: Number(insert.run(row).lastInsertRowid) };
  });
  for (let waited = false; ; waited = true) {
    throwIfCancelled(ctx.signal);
    removeAbandonedImports(db);
    const step = claim.immediate();
    if (!('waitFor' in step)) return step;
    if (!waited) ctx.log('info', `the same files are being imported by process ${step.waitFor}; waiting for it to finish`);
    await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
  }
}

/**
 * Reads the source files into the staged dataset `id` through DuckDB, writes its Parquet files and
 * marks it ready. The events are read back from the written files for the profile, so what the
 * profile describes is what was stored.
 */
async function fillDataset(
  db: Db,
  id: number,
  source: {
    paths: { interactions?: string | undefined; items?: string | undefined };
    map: Record<string, string> | undefined;
    prepare: PrepareSpec | undefined;
    fingerprint: string;
    sources: string[];
  },
  ctx: TaskContext,
): Promise<DatasetProfile> {
  const { paths, map } = source;
  const catalog = paths.items ? await readCatalog(paths.items, map, ctx) : null;
  const duck = await openDuck(spillDir(db), ctx.signal);
  try {
    const events = paths.interactions
      ? await readEventsTable(duck, paths.interactions, { map, catalogIds: catalog?.ids, sourceColumns: source.prepare?.where !== undefined }, ctx)
      : null;
    if (!events) await emptyEvents(duck, catalog?.ids);
    if (events?.unknownItems)
      ctx.log(
        'warn',
        `${events.unknownItems} interactions refer to items missing from the catalog (e.g. ${events.unknownExamples.join(', ')}); they were dropped`,
      );
    for (const w of events?.warnings ?? []) ctx.log('warn', w.message);
    const preparation = source.prepare ? await prepareEvents(duck, source.prepare, ctx.signal) : null;
    await duck.conn.run('DROP TABLE IF EXISTS src');
    for (const step of preparation?.slice(1) ?? []) ctx.log('info', `${step.label}: ${step.events} events, ${step.users} users, ${step.items} items left`);
    ctx.progress({ stage: 'store', current: 0, total: 2, unit: 'steps' });
    await encodeEvents(duck);
    if (catalog) await loadCatalogTable(duck, catalog);
    throwIfCancelled(ctx.signal);
    await writeDatasetFiles(db, duck, id, catalog !== null);
    ctx.progress({ stage: 'store', current: 1, total: 2, unit: 'steps' });
    throwIfCancelled(ctx.signal);
    const stored = storedEvents(db, id);
    const counts = await countStored(duck, stored);
    if (counts.duplicatesDropped) ctx.log('info', `${counts.duplicatesDropped} repeated (user, item) events were dropped; the latest of each pair is kept`);
    const profile = profileDataset({
      datasetId: String(id),
      fingerprint: source.fingerprint,
      sources: source.sources,
      events: events ? await tallyEvents(duck, stored, counts, ctx.signal) : null,
      itemCount: counts.items,
      duplicatesDropped: counts.duplicatesDropped,
      unknownItems: events?.unknownItems ?? 0,
      catalog: catalog ? catalogProfile(catalog) : null,
      warnings: events?.warnings ?? [],
    });
    if (preparation) profile.preparation = preparation;
    db.prepare(
      `UPDATE datasets SET state = 'ready', storage = 'parquet', n_users = ?, n_items = ?, n_interactions = ?, has_rating = ?, catalog_id_column = ?, catalog_columns = ?, profile = ? WHERE id = ?`,
    ).run(
      counts.users,
      counts.items,
      counts.interactions,
      counts.hasRating ? 1 : 0,
      catalog?.idColumn ?? null,
      catalog ? JSON.stringify(catalog.columns) : null,
      JSON.stringify(profile),
      id,
    );
    ctx.progress({ stage: 'store', current: 2, total: 2, unit: 'steps' });
    return profile;
  } finally {
    duck.close();
  }
}

/**
 * The events, users and items an import with `args.prepare` would keep after each step, read and
 * prepared exactly as the import does but written nowhere.
 */
export async function previewPreparation(db: Db, args: ImportArgs, ctx: TaskContext): Promise<PrepareStep[]> {
  if (!args.interactions)
    throw new EngineError('invalid-input', 'a preview of the preparation reads an interactions file: give one', {
      field: 'interactions',
      hint: 'a query source is previewed by importing it',
    });
  checkMapping(args.map);
  const paths = { interactions: resolve(args.interactions), items: args.items && resolve(args.items) };
  for (const path of [paths.interactions, paths.items]) if (path) checkRegularFile(path);
  const catalog = paths.items ? await readCatalog(paths.items, args.map, ctx) : null;
  const duck = await openDuck(spillDir(db), ctx.signal);
  try {
    await readEventsTable(duck, paths.interactions, { map: args.map, catalogIds: catalog?.ids, sourceColumns: args.prepare?.where !== undefined }, ctx);
    return await prepareEvents(duck, args.prepare ?? {}, ctx.signal);
  } finally {
    duck.close();
  }
}

/** A catalog-only dataset: no events, every catalog item in the item index. */
async function emptyEvents(duck: Duck, catalogIds: string[] | undefined): Promise<void> {
  await loadCatalogIds(duck, catalogIds);
  await duck.conn.run('CREATE OR REPLACE TABLE ev (user_id VARCHAR, item_id VARCHAR, rating FLOAT, ts DOUBLE)');
}

/** Where DuckDB may spill while importing or loading (inside the workspace, so it is on the same disk). */
export const spillDir = (db: Db) => join(datasetsRoot(db), '.spill');

/** sha256 over the source files' bytes, their roles and the mapping. */
async function fingerprintOf(
  paths: { interactions?: string | undefined; items?: string | undefined },
  map: Record<string, string>,
  signal: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`trainyard-import-${IMPORT_FORMAT}\n`);
  for (const role of ['interactions', 'items'] as const) {
    const path = paths[role];
    if (!path) continue;
    hash.update(`${role}\n`);
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
        throwIfCancelled(signal);
        hash.update(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw new EngineError('invalid-input', `${path}: cannot read the ${role} file`, { file: path, hint: 'check the path' });
    }
  }
  hash.update(JSON.stringify(Object.entries(map).sort(([a], [b]) => a.localeCompare(b))));
  return hash.digest('hex');
}

/** Deletes a dataset, its files and any rows a workspace from before Parquet still holds, and gives the freed pages back to the file system. */
export function deleteDataset(db: Db, datasetId: string): void {
  const id = Number(datasetId);
  db.transaction(() => {
    for (const table of LEGACY_TABLES) db.prepare(`DELETE FROM ${table} WHERE dataset_id = ?`).run(id);
    db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  })();
  removeDatasetFiles(db, id);
  reclaimSpace(db);
}

/**
 * Staging datasets whose importing process is gone (crash, kill) are removed; returns how many.
 * Rows staged before owners were recorded have only a pid to go by.
 */
export function removeAbandonedImports(db: Db): number {
  removeStaleSpill(spillDir(db));
  const staging = db.prepare(`SELECT id, owner_pid, owner FROM datasets WHERE state = 'staging'`).all() as {
    id: number;
    owner_pid: number;
    owner: string | null;
  }[];
  let removed = 0;
  for (const s of staging) {
    const owner = s.owner ? (JSON.parse(s.owner) as ProcessOwner) : { pid: s.owner_pid, host: hostname(), started: '' };
    if (ownerAlive(owner)) continue;
    deleteDataset(db, String(s.id));
    removed++;
  }
  return removed;
}

function readyRow(db: Db, datasetId: string): DatasetRow {
  const row = db.prepare(`SELECT * FROM datasets WHERE id = ? AND state = 'ready'`).get(Number(datasetId)) as DatasetRow | undefined;
  if (!row) throw new EngineError('not-found', `dataset ${datasetId} does not exist`, { datasetId });
  return row;
}

/** The dataset's events; the item index space is the catalog's items (in catalog order) then the other items seen in events. */
export async function loadInteractions(db: Db, datasetId: string): Promise<InteractionTable> {
  const ds = readyRow(db, datasetId);
  const duck = await openDuck(spillDir(db));
  try {
    return await readDatasetEvents(db, duck, ds.id, ds.n_interactions, ds.has_rating === 1);
  } finally {
    duck.close();
  }
}

/** The dataset's user and item ids in index order, without its events. */
export async function loadDatasetIds(db: Db, datasetId: string): Promise<{ userIds: string[]; itemIds: string[] }> {
  const ds = readyRow(db, datasetId);
  const duck = await openDuck();
  try {
    return await readDatasetIds(db, duck, ds.id);
  } finally {
    duck.close();
  }
}

/** The dataset's item catalog, or null when it was imported without one. */
export async function loadCatalog(db: Db, datasetId: string): Promise<ItemCatalog | null> {
  const ds = readyRow(db, datasetId);
  if (ds.catalog_id_column === null || ds.catalog_columns === null) return null;
  const columns = JSON.parse(ds.catalog_columns) as string[];
  const duck = await openDuck(spillDir(db));
  try {
    return { idColumn: ds.catalog_id_column, columns, rows: await readDatasetCatalog(db, duck, ds.id, columns) };
  } finally {
    duck.close();
  }
}

/** The profile of a dataset, or of the latest one when no id is given; null when there is none. */
export function getProfile(db: Db, datasetId?: string): DatasetProfile | null {
  const row = (
    datasetId === undefined
      ? db.prepare(`SELECT profile FROM datasets WHERE state = 'ready' ORDER BY id DESC LIMIT 1`).get()
      : db.prepare(`SELECT profile FROM datasets WHERE state = 'ready' AND id = ?`).get(Number(datasetId))
  ) as { profile: string } | undefined;
  return row ? (JSON.parse(row.profile) as DatasetProfile) : null;
}

/** Ready datasets, newest first. */
export function listDatasets(db: Db): DatasetSummary[] {
  const rows = db.prepare(`SELECT * FROM datasets WHERE state = 'ready' ORDER BY id DESC`).all() as DatasetRow[];
  return rows.map((r) => ({
    datasetId: String(r.id),
    name: r.name,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    sources: JSON.parse(r.sources) as string[],
    users: r.n_users,
    items: r.n_items,
    interactions: r.n_interactions,
    hasCatalog: r.catalog_columns !== null,
  }));
}
