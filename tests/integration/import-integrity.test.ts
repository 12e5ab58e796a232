import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../main/engine/config/load.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { previewFile } from '../../main/engine/data/preview.ts';
import { createEngine } from '../../main/engine/index.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { deleteDataset, importDataset } from '../../main/engine/store/datasets.ts';
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

describe('the database file shrinks after deletions', () => {
  const size = (path: string) => statSync(path).size;

  async function importThenDelete(path: string): Promise<{ full: number; after: number }> {
    const db = await openWorkspaceDb(path);
    try {
      const { datasetId } = await importDataset(db, { interactions: join(sample, 'interactions.csv') }, silentContext());
      db.pragma('wal_checkpoint(TRUNCATE)');
      const full = size(path);
      deleteDataset(db, datasetId);
      return { full, after: size(path) + size(`${path}-wal`) };
    } finally {
      db.close();
    }
  }

  it('a new workspace gives the pages of a deleted dataset back at once', async () => {
    const path = join(dir, 'new.db');
    const { full, after } = await importThenDelete(path);
    expect(full).toBeGreaterThan(2_000_000);
    expect(after).toBeLessThan(full / 10);
  });

  it('a workspace created before auto_vacuum is converted by its first deletion', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, await loadMigrations(), 2);
    expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
    old.close();
    const { full, after } = await importThenDelete(path);
    expect(after).toBeLessThan(full / 10);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });
});
