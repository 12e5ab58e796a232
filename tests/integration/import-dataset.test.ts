import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { profileDataset, tallyTable } from '../../main/engine/data/profile.ts';
import { silentContext, type TaskContext } from '../../main/engine/common/task-context.ts';
import { getProfile, importDataset, listDatasets, loadCatalog, loadInteractions, previewPreparation } from '../../main/engine/store/datasets.ts';
import { type Db, openWorkspaceDb } from '../../main/engine/store/db.ts';
import { openUserEvents } from '../../main/engine/store/dataset-files.ts';
import { storageFailure } from '../../main/engine/store/storage-errors.ts';

const fixture = (p: string) => join(import.meta.dirname, '../fixtures/data', p);
let dir: string;
let db: Db;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ty-import-'));
  db = await openWorkspaceDb(join(dir, 'workspace.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function recording(): TaskContext & { logs: string[]; stages: Set<string> } {
  const logs: string[] = [];
  const stages = new Set<string>();
  return { ...silentContext(), logs, stages, log: (_l, m) => logs.push(m), progress: (u) => stages.add(u.stage) };
}

/** Dataset rows, rows left in the tables of workspaces from before Parquet, and dataset folders (staging ones included). */
const counts = (): Record<string, number> => ({
  ...Object.fromEntries(
    ['datasets', 'interactions', 'items', 'dataset_users', 'dataset_items'].map((t) => [
      t,
      (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
    ]),
  ),
  folders: existsSync(join(dir, 'datasets')) ? readdirSync(join(dir, 'datasets')).filter((f) => !f.startsWith('.')).length : 0,
});

describe('importDataset', () => {
  it('imports interactions with a catalog; loads them back with catalog items first', async () => {
    const ctx = recording();
    const profile = await importDataset(db, { interactions: fixture('good/with-unknown.csv'), items: fixture('good/catalog.csv') }, ctx);
    expect(profile).toMatchObject({
      users: 2,
      items: 3,
      interactions: 2,
      unknownItems: 3,
      catalog: { items: 3, columns: ['item_id', 'title', 'description', 'brand'] },
    });
    expect(profile.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(ctx.logs.join('\n')).toMatch(/3 interactions refer to items missing from the catalog \(e\.g\. zz9, zz8\)/);
    expect(ctx.stages).toEqual(new Set(['import', 'store']));

    const t = await loadInteractions(db, profile.datasetId);
    expect(t.itemIds).toEqual(['i1', 'i2', 'i3']);
    expect(t.userIds).toEqual(['u1', 'u2']);
    expect(Array.from(t.user)).toEqual([0, 1]);
    expect(Array.from(t.item)).toEqual([0, 1]);
    expect(Array.from(t.rating!)).toEqual([4, 3]);
    expect(Array.from(t.ts)).toEqual([1700000000, 1700000002]);

    const catalog = (await loadCatalog(db, profile.datasetId))!;
    expect(catalog.idColumn).toBe('item_id');
    expect(catalog.rows[0]!.description).toBe('A mug.\nDishwasher safe, 300 ml.');
    expect(getProfile(db, profile.datasetId)).toEqual(profile);
  });

  it('returns the existing dataset when the same files and mapping are imported again', async () => {
    const first = await importDataset(db, { interactions: fixture('good/duplicates.csv') }, silentContext());
    const copy = join(dir, 'same-bytes.csv');
    copyFileSync(fixture('good/duplicates.csv'), copy);
    const again = await importDataset(db, { interactions: copy }, silentContext());
    expect(again.datasetId).toBe(first.datasetId);
    expect(listDatasets(db)).toHaveLength(1);
    const mapped = await importDataset(db, { interactions: copy, map: { rating: 'rating' } }, silentContext());
    expect(mapped.datasetId).not.toBe(first.datasetId);
    expect(listDatasets(db).map((d) => d.datasetId)).toEqual([mapped.datasetId, first.datasetId]);
    expect(getProfile(db)!.datasetId).toBe(mapped.datasetId);
    expect(first).toMatchObject({ interactions: 3, duplicatesDropped: 3 });
  });

  it('accepts a catalog alone and interactions alone', async () => {
    const catalogOnly = await importDataset(db, { items: fixture('good/ml-100k/u.item') }, silentContext());
    expect(catalogOnly).toMatchObject({ users: 0, items: 3, interactions: 0 });
    expect((await loadInteractions(db, catalogOnly.datasetId)).itemIds).toEqual(['242', '302', '303']);
    expect((await loadCatalog(db, catalogOnly.datasetId))!.rows[2]!.title).toBe('Misérables, Les (1995)');

    const eventsOnly = await importDataset(db, { interactions: fixture('good/ratings.tsv') }, silentContext());
    expect(eventsOnly).toMatchObject({ users: 2, items: 2, interactions: 3, ratingHistogram: null, catalog: null });
    expect(await loadCatalog(db, eventsOnly.datasetId)).toBeNull();
    expect((await loadInteractions(db, eventsOnly.datasetId)).rating).toBeNull();
  });

  it('imports MovieLens ml-100k u.data with its u.item', async () => {
    const p = await importDataset(db, { interactions: fixture('good/ml-100k/u.data'), items: fixture('good/ml-100k/u.item') }, silentContext());
    expect(p).toMatchObject({ users: 2, items: 3, interactions: 3, unknownItems: 0 });
    expect(p.catalog!.columns).toEqual(['movie_id', 'title', 'release_date', 'video_release_date', 'imdb_url', 'genres']);
    expect((await loadInteractions(db, p.datasetId)).itemIds).toEqual(['242', '302', '303']);
  });

  it('imports MovieLens ml-1m ratings.dat with its Latin-1 movies.dat', async () => {
    const p = await importDataset(db, { interactions: fixture('good/ml-1m/ratings.dat'), items: fixture('good/ml-1m/movies.dat') }, silentContext());
    expect(p).toMatchObject({ users: 2, items: 3, interactions: 3, unknownItems: 0 });
    expect((await loadCatalog(db, p.datasetId))!.rows.map((r) => r.title)).toContain('Cité des enfants perdus, La (1995)');
  });

  it('leaves nothing behind when an import fails', async () => {
    await importDataset(db, { interactions: fixture('good/ratings-pipe.txt') }, silentContext());
    const before = counts();
    const err = await importDataset(db, { interactions: fixture('bad/bad-rating.csv'), items: fixture('good/catalog.csv') }, silentContext()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect(counts()).toEqual(before);
  });

  it('a full disk: the message says so, the failed cleanup does not hide it, and the rows go once there is room', async () => {
    const sample = await generateSample({ out: dir, users: 300, items: 200, interactions: 6000, seed: 3 }, silentContext());
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    // the seam: statements on the real connection, except marking the dataset ready and (once) the deletions, which fail as on a full disk
    let deletionsFail = true;
    const failing = new Proxy(db, {
      get(target, key) {
        if (key === 'prepare')
          return (sql: string) => {
            const statement = target.prepare(sql);
            const fails = sql.startsWith(`UPDATE datasets SET state = 'ready'`) || (sql.startsWith('DELETE') && deletionsFail);
            return fails
              ? {
                  run: () => {
                    if (sql.startsWith('DELETE')) deletionsFail = false;
                    throw full();
                  },
                }
              : statement;
          };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ctx = recording();
    const err = (await importDataset(failing, { interactions: sample.interactions, items: sample.items }, ctx).catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err.kind).toBe('invalid-input');
    expect(err.message).toMatch(
      new RegExp(`^the disk holding ${join(dir, 'workspace.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full \\(\\d+ MB free\\); nothing was imported$`),
    );
    expect(err.details).toMatchObject({ code: 'SQLITE_FULL', hint: expect.stringMatching(/free some space/) });
    expect(
      ctx.logs.some((m) =>
        /the partly written dataset \d+ could not be removed \(database or disk is full\); it is removed when the workspace is next opened/.test(m),
      ),
    ).toBe(true);
    expect(counts().datasets).toBe(1);
    // reopened by a process that does not own the staged rows: they are cleaned up
    db.prepare(`UPDATE datasets SET owner_pid = 999999999, owner = NULL WHERE state = 'staging'`).run();
    db.close();
    db = await openWorkspaceDb(join(dir, 'workspace.db'));
    await importDataset(db, { interactions: fixture('good/ratings-pipe.txt') }, silentContext());
    expect(counts()).toMatchObject({ datasets: 1, items: 0 });
  });

  it('imports timestamps far in the future with a warning in the log and the profile', async () => {
    const path = join(dir, 'future.csv');
    writeFileSync(path, 'user_id,item_id,timestamp\nu1,i1,1700000000\nu2,i2,32503680000\n');
    const ctx = recording();
    const p = await importDataset(db, { interactions: path }, ctx);
    const message = 'future.csv line 3, column "timestamp": timestamp "32503680000" is in the future (3000-01-01T00:00:00.000Z); check the unit or the export';
    expect(p.warnings).toEqual([{ message, file: path, line: 3, column: 'timestamp', count: 1 }]);
    expect(getProfile(db, p.datasetId)?.warnings).toEqual(p.warnings);
    expect(ctx.logs).toContain(message);
  });

  it('a disk I/O error on a nearly full disk is reported as a full disk', () => {
    const ioError = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    expect(storageFailure(ioError, '/ws/trainyard.db', () => 5 << 20)?.message).toBe(
      'the disk holding /ws/trainyard.db is full (5 MB free); nothing was imported',
    );
    expect(storageFailure(ioError, '/ws/trainyard.db', () => 50 * 2 ** 30)).toMatchObject({
      kind: 'internal',
      message: 'disk I/O error writing /ws/trainyard.db (SQLITE_IOERR_WRITE); nothing was imported',
    });
    const duckFull = new Error('IO Error: Could not write file "/ws/datasets/7.staging-1-0/interactions.parquet": No space left on device');
    expect(storageFailure(duckFull, '/ws/trainyard.db', () => 50 * 2 ** 30)).toMatchObject({ kind: 'invalid-input', details: { code: 'ENOSPC' } });
    expect(storageFailure(new Error('other'), '/ws/trainyard.db')).toBeNull();
  });

  it('rolls back a cancelled import while it is writing rows', async () => {
    const sample = await generateSample({ out: dir, users: 3000, items: 2000, interactions: 600_000, seed: 3 }, silentContext());
    const controller = new AbortController();
    const ctx: TaskContext = {
      signal: controller.signal,
      log: () => {},
      progress: (u) => {
        if (u.stage === 'store' && u.current > 0) controller.abort();
      },
    };
    const err = (await importDataset(db, { interactions: sample.interactions, items: sample.items }, ctx).catch((e: unknown) => e)) as EngineError;
    expect(err.kind).toBe('cancelled');
    expect(counts()).toEqual({ datasets: 0, interactions: 0, items: 0, dataset_users: 0, dataset_items: 0, folders: 0 });
    expect(getProfile(db)).toBeNull();
  });

  it('prepares the log in SQL: a prepared dataset has its own fingerprint, the steps in its profile and only the kept events', async () => {
    const sample = await generateSample({ out: dir, users: 400, items: 300, interactions: 12_000, seed: 5 }, silentContext());
    const plain = await importDataset(db, { interactions: sample.interactions }, silentContext());
    const prepare = { minRating: 3, implicit: true, minUserEvents: 10, minItemEvents: 5 };
    const prepared = await importDataset(db, { interactions: sample.interactions, prepare }, silentContext());
    expect(prepared.datasetId).not.toBe(plain.datasetId);
    expect(prepared.fingerprint).not.toBe(plain.fingerprint);
    expect(prepared.preparation!.map((s) => s.step)).toEqual(['source', 'min-rating', 'implicit', 'k-core']);
    const last = prepared.preparation!.at(-1)!;
    expect([prepared.interactions, prepared.users]).toEqual([last.events, last.users]);
    expect(prepared.interactions).toBeLessThan(plain.interactions);
    const t = await loadInteractions(db, prepared.datasetId);
    expect(t.rating).toBeNull();
    const perUser = new Int32Array(t.userIds.length);
    for (const u of t.user) perUser[u]!++;
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(10);
    const again = await importDataset(db, { interactions: sample.interactions, prepare: { ...prepare } }, silentContext());
    expect(again.datasetId).toBe(prepared.datasetId);
    // the preview counts the same steps and imports nothing
    const before = listDatasets(db).length;
    expect(await previewPreparation(db, { interactions: sample.interactions, prepare }, silentContext())).toEqual(prepared.preparation);
    expect(listDatasets(db)).toHaveLength(before);
  });

  it('a preparation filters on a source column the import does not map, by its own name', async () => {
    const path = join(dir, 'countries.csv');
    writeFileSync(path, 'user_id,item_id,Country,timestamp\nu1,i1,DE,1700000000\nu1,i2,FR,1700000001\nu2,i1,DE,1700000002\n');
    const p = await importDataset(db, { interactions: path, prepare: { where: `Country = 'DE'` } }, silentContext());
    expect(p).toMatchObject({ interactions: 2, users: 2 });
    expect(p.preparation!.map((s) => [s.step, s.events])).toEqual([
      ['source', 3],
      ['where', 2],
    ]);
  });

  it('a preparation filters the source rows of the events left after items outside the catalogue were dropped', async () => {
    const path = join(dir, 'countries.csv');
    writeFileSync(path, 'user_id,item_id,Country,timestamp\nu1,zz,DE,1700000000\nu1,i2,FR,1700000001\nu2,i1,DE,1700000002\nu3,i2,DE,1700000003\n');
    const items = join(dir, 'items.csv');
    writeFileSync(items, 'item_id,title\ni1,One\ni2,Two\n');
    const p = await importDataset(db, { interactions: path, items, prepare: { where: `Country = 'DE'` } }, silentContext());
    expect(p).toMatchObject({ interactions: 2, unknownItems: 1 });
    const t = await loadInteractions(db, p.datasetId);
    expect(Array.from(t.user, (u, k) => [t.userIds[u], t.itemIds[t.item[k]!]])).toEqual([
      ['u2', 'i1'],
      ['u3', 'i2'],
    ]);
  });

  it('keeps catalogue columns named like its own row order or differing only in case', async () => {
    const path = join(dir, 'odd-columns.csv');
    writeFileSync(path, 'item_id,pos,Title,title\ni2,first,Upper B,lower b\ni1,second,Upper A,lower a\n');
    const p = await importDataset(db, { items: path }, silentContext());
    expect((await loadCatalog(db, p.datasetId))!.rows).toEqual([
      { item_id: 'i2', pos: 'first', Title: 'Upper B', title: 'lower b' },
      { item_id: 'i1', pos: 'second', Title: 'Upper A', title: 'lower a' },
    ]);
  });

  it('stores a dataset as Parquet files that other readers open as they are', async () => {
    const p = await importDataset(db, { interactions: fixture('good/with-unknown.csv'), items: fixture('good/catalog.csv') }, silentContext());
    const files = join(dir, 'datasets', p.datasetId);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const rows = await conn.runAndReadAll(
      `SELECT u.user_id, i.item_id, e.rating, e.ts FROM '${files}/interactions.parquet' e
         JOIN '${files}/users.parquet' u ON u.idx = e.user JOIN '${files}/items.parquet' i ON i.idx = e.item ORDER BY u.user_id`,
    );
    expect(rows.getRowsJS()).toEqual([
      ['u1', 'i1', 4, 1700000000],
      ['u2', 'i2', 3, 1700000002],
    ]);
    const catalog = await conn.runAndReadAll(`SELECT count(*)::INTEGER, min(title) FROM '${files}/catalog.parquet'`);
    expect(catalog.getRowsJS()).toEqual([[p.catalog!.items, 'Blue Plate']]);
    conn.closeSync();
    instance.closeSync();
    // a second, independent Parquet reader (hyparquet, pure JavaScript) sees the same columns and counts
    const file = await asyncBufferFromFile(join(files, 'interactions.parquet'));
    const rowsRead: unknown[][] = [];
    await parquetRead({ file, rowFormat: 'array', onComplete: (r: unknown[][]) => rowsRead.push(...r) });
    expect(rowsRead).toHaveLength(p.interactions);
    expect(parquetSchema(await parquetMetadataAsync(file)).children.map((c) => c.element.name)).toEqual(['user', 'item', 'rating', 'ts']);
  });

  it('reads one user’s events from the file as the whole log holds them', async () => {
    const sample = await generateSample({ out: dir, users: 500, items: 300, interactions: 20_000, seed: 9 }, silentContext());
    const p = await importDataset(db, { interactions: sample.interactions }, silentContext());
    const t = await loadInteractions(db, p.datasetId);
    const reader = await openUserEvents(db, p.datasetId);
    try {
      for (const u of [0, 1, 137, 499]) {
        const rows = Array.from(t.user.keys()).filter((k) => t.user[k] === u);
        const got = await reader.of(u);
        expect(Array.from(got.items)).toEqual(rows.map((k) => t.item[k]!).sort((a, b) => a - b));
        expect(Array.from(got.ts)).toEqual(rows.sort((a, b) => t.item[a]! - t.item[b]!).map((k) => t.ts[k]!));
      }
      expect((await reader.of(500)).items).toHaveLength(0);
    } finally {
      reader.close();
    }
  });

  it('profiles what it stored: the SQL sums equal those over the events loaded back, binned ratings and weekly activity too', async () => {
    // 60 distinct ratings (binned) over four years of days (bucketed by week), repeats collapsed
    const lines = ['user,item,score,ts'];
    for (let k = 0; k < 3000; k++) lines.push(`u${k % 100},i${k % 45},${((k * 13) % 60) / 7},${1_500_000_000 + k * 43_000}`);
    const path = join(dir, 'continuous.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const p = await importDataset(db, { interactions: path, map: { rating: 'score' } }, silentContext());
    expect(p.ratingHistogram).toHaveLength(20);
    const t = await loadInteractions(db, p.datasetId);
    const fromTable = profileDataset({
      datasetId: p.datasetId,
      fingerprint: p.fingerprint,
      sources: p.sources,
      events: tallyTable(t, t.itemIds.length),
      itemCount: t.itemIds.length,
      duplicatesDropped: p.duplicatesDropped,
      unknownItems: 0,
      catalog: null,
    });
    expect(p.duplicatesDropped).toBeGreaterThan(0);
    expect({ ...p, preparation: undefined }).toEqual({ ...fromTable, preparation: undefined });
  });

  it('names the missing file and rejects an empty request', async () => {
    await expect(importDataset(db, {}, silentContext())).rejects.toThrow(/nothing to import/);
    await expect(importDataset(db, { interactions: join(dir, 'nope.csv') }, silentContext())).rejects.toThrow(/nope\.csv: cannot read the interactions file/);
    await expect(importDataset(db, { interactions: fixture('good/ratings.tsv'), map: { usr: 'x' } }, silentContext())).rejects.toThrow(/mapping key "usr"/);
  });

  it('profiles the generated sample', async () => {
    const sample = await generateSample({ out: dir }, silentContext());
    const p = await importDataset(db, { interactions: sample.interactions, items: sample.items }, silentContext());
    expect(p).toMatchObject({ users: 2000, items: 1000, interactions: 60000, duplicatesDropped: 0, unknownItems: 0 });
    expect(p.timeRange!.min.startsWith('2024-')).toBe(true);
    expect(p.ratingHistogram!.map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
    expect(p.popularityCurve[0]!.rank).toBe(1);
    expect(p.perUser.min).toBeGreaterThanOrEqual(5);
    const t = await loadInteractions(db, p.datasetId);
    expect(t.user.length).toBe(60000);
    expect(t.itemIds.length).toBe(1000);
  });
});

describe('importDataset with a stale staging row', () => {
  it('removes datasets whose importing process died', async () => {
    const { lastInsertRowid: staged } = db
      .prepare(
        `INSERT INTO datasets (name, fingerprint, state, owner_pid, created_at, sources, mapping) VALUES ('x', 'f', 'staging', 2147483646, '2020-01-01', '[]', '{}')`,
      )
      .run();
    db.prepare('INSERT INTO interactions VALUES (?, 0, 0, NULL, 0)').run(staged);
    mkdirSync(join(dir, 'datasets', `${staged}.staging-2147483646-0`), { recursive: true });
    writeFileSync(join(dir, 'datasets', `${staged}.staging-2147483646-0`, 'interactions.parquet'), 'half');
    writeFileSync(join(dir, 'one.csv'), 'user,item,ts\na,b,1\n');
    // DuckDB spill folders: a dead importer's is removed, a live process's is kept
    const spill = join(dir, 'datasets', '.spill');
    mkdirSync(join(spill, '2147483646-0-dead'), { recursive: true });
    mkdirSync(join(spill, `${process.pid}-99-live`), { recursive: true });
    await importDataset(db, { interactions: join(dir, 'one.csv') }, silentContext());
    expect(counts()).toMatchObject({ datasets: 1, interactions: 0, folders: 1 });
    expect(readdirSync(spill)).toEqual([`${process.pid}-99-live`]);
  });
});
