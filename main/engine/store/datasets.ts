import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import type { DatasetProfile, ImportArgs } from '../../common/contracts/api.ts';
import { EngineError, clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import { checkMapping } from '../data/columns.ts';
import { checkRegularFile } from '../data/input-file.ts';
import { catalogProfile, profileDataset } from '../data/profile.ts';
import { readCatalog, type ParsedCatalog } from '../data/read-catalog.ts';
import { readInteractions, type ParsedInteractions } from '../data/read-interactions.ts';
import type { InteractionTable, ItemCatalog } from '../data/types.ts';
import type { ProcessOwner } from '../../common/contracts/runs.ts';
import type { TaskContext } from '../common/task-context.ts';
import { currentOwner, ownerAlive } from '../common/process-owner.ts';
import { reclaimSpace, type Db } from './db.ts';
import { storageFailure } from './storage-errors.ts';

/** Bumped when importing the same bytes would give different rows, so old fingerprints stop matching. */
const IMPORT_FORMAT = 1;
/** Rows per insert statement and per transaction while writing a dataset. */
const ROWS_PER_STATEMENT = 256;
const ROWS_PER_TRANSACTION = 1 << 18;

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

/**
 * Imports interactions and/or an item catalog as one dataset and returns its profile. Importing
 * the same files with the same mapping again returns the dataset already there.
 */
export async function importDataset(db: Db, args: ImportArgs, ctx: TaskContext): Promise<DatasetProfile> {
  checkMapping(args.map);
  if (!args.interactions && !args.items)
    throw new EngineError('invalid-input', 'nothing to import: give an interactions file, an items file, or both', {
      hint: '--interactions <file> --items <file>',
    });
  const paths = { interactions: args.interactions && resolve(args.interactions), items: args.items && resolve(args.items) };
  for (const path of [paths.interactions, paths.items]) if (path) checkRegularFile(path);
  const fingerprint = await fingerprintOf(paths, args.map ?? {}, ctx.signal);
  const sources = [paths.interactions, paths.items].filter((p): p is string => !!p);
  const claim = await claimImport(db, { fingerprint, sources, map: args.map ?? {} }, ctx);
  if ('reuse' in claim) {
    ctx.log('info', `these files were imported before as dataset ${claim.reuse}; reusing it`);
    return getProfile(db, String(claim.reuse))!;
  }
  try {
    return await fillDataset(db, claim.staged, { paths, map: args.map, fingerprint, sources }, ctx);
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

/** Reads the source files into the staged dataset `id` and marks it ready. */
async function fillDataset(
  db: Db,
  id: number,
  source: {
    paths: { interactions?: string | undefined; items?: string | undefined };
    map: Record<string, string> | undefined;
    fingerprint: string;
    sources: string[];
  },
  ctx: TaskContext,
): Promise<DatasetProfile> {
  const { paths, map } = source;
  const catalog = paths.items ? await readCatalog(paths.items, map, ctx) : null;
  const events = paths.interactions ? await readInteractions(paths.interactions, { map, catalogIds: catalog?.ids }, ctx) : null;
  if (events?.unknownItems)
    ctx.log(
      'warn',
      `${events.unknownItems} interactions refer to items missing from the catalog (e.g. ${events.unknownExamples.join(', ')}); they were dropped`,
    );
  for (const w of events?.warnings ?? []) ctx.log('warn', w.message);
  if (events?.duplicatesDropped) ctx.log('info', `${events.duplicatesDropped} repeated (user, item) events were dropped; the latest of each pair is kept`);

  const itemIds = events?.itemIds ?? catalog!.ids;
  const profile = profileDataset({
    datasetId: String(id),
    fingerprint: source.fingerprint,
    sources: source.sources,
    table: events,
    itemCount: itemIds.length,
    duplicatesDropped: events?.duplicatesDropped ?? 0,
    unknownItems: events?.unknownItems ?? 0,
    catalog: catalog ? catalogProfile(catalog) : null,
    warnings: events?.warnings ?? [],
  });
  await writeRows(db, id, itemIds, catalog, events, ctx);
  db.prepare(
    `UPDATE datasets SET state = 'ready', n_users = ?, n_items = ?, n_interactions = ?, has_rating = ?, catalog_id_column = ?, catalog_columns = ?, profile = ? WHERE id = ?`,
  ).run(
    events?.userIds.length ?? 0,
    itemIds.length,
    events?.user.length ?? 0,
    events?.rating ? 1 : 0,
    catalog?.idColumn ?? null,
    catalog ? JSON.stringify(catalog.columns) : null,
    JSON.stringify(profile),
    id,
  );
  return profile;
}

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

async function writeRows(
  db: Db,
  id: number,
  itemIds: string[],
  catalog: ParsedCatalog | null,
  events: ParsedInteractions | null,
  ctx: TaskContext,
): Promise<void> {
  const n = events?.user.length ?? 0;
  ctx.progress({ stage: 'store', current: 0, total: n, unit: 'rows' });
  await insertRows(db, 'dataset_items', 3, itemIds.length, (k, out) => out.push(id, k, itemIds[k]!), ctx);
  if (catalog)
    await insertRows(
      db,
      'items',
      5,
      catalog.rows.length,
      (k, out) => out.push(id, k, catalog.ids[k]!, catalog.titles[k] || null, JSON.stringify(catalog.rows[k])),
      ctx,
    );
  if (!events) return;
  await insertRows(db, 'dataset_users', 3, events.userIds.length, (k, out) => out.push(id, k, events.userIds[k]!), ctx);
  const { user, item, rating, ts } = events;
  await insertRows(
    db,
    'interactions',
    5,
    n,
    (k, out) => out.push(id, user[k]!, item[k]!, rating ? rating[k]! : null, ts[k]!),
    ctx,
    (done) => ctx.progress({ stage: 'store', current: done, total: n, unit: 'rows' }),
  );
}

type SqlValue = number | string | null;

/**
 * Inserts `count` rows of `width` values with multi-row statements, one transaction per
 * ROWS_PER_TRANSACTION rows, yielding to the event loop (and honouring cancellation) in between.
 */
async function insertRows(
  db: Db,
  table: string,
  width: number,
  count: number,
  row: (k: number, out: SqlValue[]) => void,
  ctx: TaskContext,
  onChunk?: (done: number) => void,
): Promise<void> {
  const statement = (rows: number) => {
    const tuple = `(${new Array(width).fill('?').join(', ')})`;
    return db.prepare(`INSERT INTO ${table} VALUES ${new Array(rows).fill(tuple).join(', ')}`);
  };
  const full = statement(ROWS_PER_STATEMENT);
  const values: SqlValue[] = [];
  const writeChunk = db.transaction((start: number, end: number) => {
    let k = start;
    for (; k + ROWS_PER_STATEMENT <= end; k += ROWS_PER_STATEMENT) {
      values.length = 0;
      for (let j = k; j < k + ROWS_PER_STATEMENT; j++) row(j, values);
      full.run(values);
    }
    if (k < end) {
      values.length = 0;
      for (let j = k; j < end; j++) row(j, values);
      statement(end - k).run(values);
    }
  });
  for (let start = 0; start < count; start += ROWS_PER_TRANSACTION) {
    throwIfCancelled(ctx.signal);
    const end = Math.min(count, start + ROWS_PER_TRANSACTION);
    writeChunk(start, end);
    onChunk?.(end);
    await new Promise((r) => setImmediate(r));
  }
}

/** Deletes a dataset and all its rows, and gives the freed pages back to the file system. */
export function deleteDataset(db: Db, datasetId: string): void {
  const id = Number(datasetId);
  db.transaction(() => {
    for (const table of ['interactions', 'items', 'dataset_users', 'dataset_items']) db.prepare(`DELETE FROM ${table} WHERE dataset_id = ?`).run(id);
    db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  })();
  reclaimSpace(db);
}

/**
 * Staging datasets whose importing process is gone (crash, kill) are removed; returns how many.
 * Rows staged before owners were recorded have only a pid to go by.
 */
export function removeAbandonedImports(db: Db): number {
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
export function loadInteractions(db: Db, datasetId: string): InteractionTable {
  const ds = readyRow(db, datasetId);
  const ids = (table: string, col: string) => db.prepare(`SELECT ${col} FROM ${table} WHERE dataset_id = ? ORDER BY idx`).pluck().all(ds.id) as string[];
  const n = ds.n_interactions;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const ts = new Float64Array(n);
  const rating = ds.has_rating ? new Float32Array(n) : null;
  let k = 0;
  const rows = db.prepare('SELECT user, item, rating, ts FROM interactions WHERE dataset_id = ?').raw().iterate(ds.id) as IterableIterator<
    [number, number, number | null, number]
  >;
  for (const [u, i, r, t] of rows) {
    user[k] = u;
    item[k] = i;
    ts[k] = t;
    if (rating) rating[k] = r ?? Number.NaN;
    k++;
  }
  return { userIds: ids('dataset_users', 'user'), itemIds: ids('dataset_items', 'item'), user, item, rating, ts };
}

/** The dataset's item catalog, or null when it was imported without one. */
export function loadCatalog(db: Db, datasetId: string): ItemCatalog | null {
  const ds = readyRow(db, datasetId);
  if (ds.catalog_id_column === null || ds.catalog_columns === null) return null;
  const rows = (db.prepare('SELECT fields FROM items WHERE dataset_id = ? ORDER BY pos').pluck().all(ds.id) as string[]).map(
    (f) => JSON.parse(f) as Record<string, string>,
  );
  return { idColumn: ds.catalog_id_column, columns: JSON.parse(ds.catalog_columns) as string[], rows };
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
