import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../main/engine/config/load.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { previewFile } from '../../main/engine/data/preview.ts';
import { createEngine } from '../../main/engine/index.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { deleteDataset, importDataset, loadCatalog, loadInteractions } from '../../main/engine/store/datasets.ts';
import { loadMigrations, migrate, openWorkspaceDb } from '../../main/engine/store/db.ts';
import { readLabelledFile } from '../../main/engine/classify/dataset.ts';

const dir = mkdtempSync(join(tmpdir(), 'ty-import-integrity-'));
const sample = join(dir, 'sample');
const fifo = join(dir, 'events.fifo');

beforeAll(async () => {
  await generateSample({ out: sample, users: 3000, items: 1500, interactions: 150_000, seed: 4 }, silentContext());
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inputs that would block or never end', () => {
  // Each of these hung for ever before (a FIFO waits for a writer, /dev/zero never ends).
  it.each([
    ['a named pipe (FIFO)', fifo],
    ['a character device', '/dev/zero'],
    ['a folder', sample],
  ])('%s is refused before anything reads it', async (what, path) => {
    const message = `${path} is not a regular file: it is ${what}`;
    const db = await openWorkspaceDb(join(dir, 'refuse.db'));
    try {
      await expect(importDataset(db, { interactions: path }, silentContext())).rejects.toMatchObject({
        kind: 'invalid-input',
        message,
        details: { file: path },
      });
      await expect(importDataset(db, { items: path }, silentContext())).rejects.toMatchObject({ message });
      expect(db.prepare('SELECT count(*) AS n FROM datasets').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await expect(previewFile(path, 'interactions')).rejects.toMatchObject({ kind: 'invalid-input', message });
    expect(() => readLabelledFile(path)).toThrow(message);
    expect(() => resolveConfig({ configPath: path })).toThrow(message);
  });

  it('cancelling stops the import while the file is being hashed', async () => {
    const huge = join(dir, 'huge.csv');
    writeFileSync(huge, 'user_id,item_id,timestamp\n');
    truncateSync(huge, 8 * 2 ** 30); // sparse: 8 GiB to read, no disk used
    const db = await openWorkspaceDb(join(dir, 'cancel.db'));
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const t0 = performance.now();
      await expect(importDataset(db, { interactions: huge }, silentContext(abort.signal))).rejects.toMatchObject({ kind: 'cancelled' });
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      db.close();
      rmSync(huge);
    }
  });
});

describe('one dataset per file', () => {
  it('two imports of the same file at the same time make one dataset: the second reuses the first', async () => {
    const ws = join(dir, 'ws-concurrent');
    const engine = await createEngine({ workspace: ws, workers: 2 });
    try {
      const args = { interactions: join(sample, 'interactions.csv'), items: join(sample, 'items.csv') };
      const jobs = [await engine.request('data.import', args), await engine.request('data.import', args)];
      const done = await Promise.all(jobs.map((j) => engine.waitForJob(j.jobId)));
      expect(done.map((d) => d.state)).toEqual(['succeeded', 'succeeded']);
      const ids = done.map((d) => (d.result as { datasetId: string }).datasetId);
      expect(ids[0]).toBe(ids[1]);
    } finally {
      await engine.close();
    }
    const db = new Database(join(ws, 'trainyard.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM datasets').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('disk space comes back after deletions', () => {
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

  it('deleting a dataset removes its files', async () => {
    const path = join(dir, 'new.db');
    const db = await openWorkspaceDb(path);
    try {
      const { datasetId } = await importDataset(db, { interactions: join(sample, 'interactions.csv') }, silentContext());
      const files = join(dir, 'datasets', datasetId);
      expect(readdirSync(files).sort()).toEqual(['interactions.parquet', 'items.parquet', 'users.parquet']);
      deleteDataset(db, datasetId);
      expect(existsSync(files)).toBe(false);
    } finally {
      db.close();
    }
  });

  it('a workspace from before Parquet: its datasets become files, the same events load, and the database gives the pages back', async () => {
    const path = join(dir, 'old', 'trainyard.db');
    mkdirSync(join(dir, 'old'));
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, await loadMigrations(), 3);
    expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
    const n = 120_000;
    const { lastInsertRowid } = old
      .prepare(
        `INSERT INTO datasets (name, fingerprint, state, owner_pid, created_at, sources, mapping, n_users, n_items, n_interactions, has_rating, catalog_id_column, catalog_columns, profile)
         VALUES ('old.csv', 'f', 'ready', 1, '2025-01-01', '[]', '{}', 300, 400, ?, 1, 'item_id', '["item_id","title"]', '{}')`,
      )
      .run(n);
    const id = Number(lastInsertRowid);
    old.transaction(() => {
      for (let u = 0; u < 300; u++) old.prepare('INSERT INTO dataset_users VALUES (?, ?, ?)').run(id, u, `user-${u}`);
      for (let i = 0; i < 400; i++) {
        old.prepare('INSERT INTO dataset_items VALUES (?, ?, ?)').run(id, i, `item-${i}`);
        old
          .prepare('INSERT INTO items VALUES (?, ?, ?, ?, ?)')
          .run(id, i, `item-${i}`, `Title ${i}`, JSON.stringify({ item_id: `item-${i}`, title: `Title ${i}` }));
      }
      const insert = old.prepare('INSERT INTO interactions VALUES (?, ?, ?, ?, ?)');
      for (let k = 0; k < n; k++) insert.run(id, Math.floor(k / 400), k % 400, (k % 5) + 1, 1_700_000_000 + k);
    })();
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.close();
    const full = size(path);
    expect(full).toBeGreaterThan(2_000_000);

    const engine = await createEngine({ workspace: join(dir, 'old') });
    await engine.close();
    const db = await openWorkspaceDb(path);
    try {
      expect(db.prepare('SELECT storage FROM datasets WHERE id = ?').pluck().get(id)).toBe('parquet');
      for (const table of ['interactions', 'items', 'dataset_users', 'dataset_items'])
        expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
      const t = await loadInteractions(db, String(id));
      expect(t.userIds[299]).toBe('user-299');
      expect(t.itemIds[399]).toBe('item-399');
      expect(t.user.length).toBe(n);
      const k = 54_321;
      expect([t.user[k], t.item[k], t.rating![k], t.ts[k]]).toEqual([Math.floor(k / 400), k % 400, (k % 5) + 1, 1_700_000_000 + k]);
      expect((await loadCatalog(db, String(id)))!.rows[7]).toEqual({ item_id: 'item-7', title: 'Title 7' });
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    } finally {
      db.close();
    }
    expect(size(path) + size(`${path}-wal`)).toBeLessThan(full / 10);
  });
});
