import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { loadMigrations, migrate, openWorkspaceDb } from '../../main/engine/store/db.ts';

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('workspace migrations', () => {
  it('are numbered 1..n without gaps', async () => {
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('lists every migrations/NNN_name.ts file, at its number', async () => {
    const files = readdirSync(fileURLToPath(new URL('../../main/engine/store/migrations', import.meta.url))).filter((f) => /^\d{3}_.+\.ts$/.test(f));
    expect((await loadMigrations()).map((m) => `${String(m.version).padStart(3, '0')}_${m.name}.ts`)).toEqual(files.sort());
  });

  it('apply once and record user_version; re-running is a no-op', async () => {
    const migrations = await loadMigrations();
    const db = new Database(':memory:');
    expect(migrate(db, migrations)).toBe(migrations.length);
    const before = tables(db);
    expect(migrate(db, migrations)).toBe(migrations.length);
    expect(tables(db)).toEqual(before);
  });

  it('001 creates the stage cache keyed by cache key', async () => {
    const db = new Database(':memory:');
    migrate(db, await loadMigrations(), 1);
    db.prepare("INSERT INTO stage_cache VALUES ('k', 'als', 'run_1', 'now')").run();
    expect(() => db.prepare("INSERT INTO stage_cache VALUES ('k', 'als', 'run_2', 'now')").run()).toThrow(/UNIQUE/);
  });

  it('each migration step applies on top of the previous one', async () => {
    const migrations = await loadMigrations();
    const db = new Database(':memory:');
    for (const m of migrations) {
      expect(migrate(db, migrations, m.version)).toBe(m.version);
    }
  });

  it('a damaged database file is refused naming the file and what to do, not as "file is not a database"', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ty-damaged-')), 'trainyard.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const err = (await openWorkspaceDb(path).catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err.kind).toBe('invalid-input');
    expect(err.message).toBe(
      `${path} is damaged or is not a Trainyard database (SQLITE_NOTADB), so the workspace cannot be opened; the run folders beside it are not affected`,
    );
    expect(err.details).toMatchObject({ file: path, hint: expect.stringMatching(/^move it aside \(e\.g\. rename it to trainyard\.db\.damaged\)/) });
    // the file is left as it was, and not held open
    expect(readFileSync(path)).toEqual(Buffer.alloc(8192, 0x5a));
    renameSync(path, `${path}.damaged`);
    (await openWorkspaceDb(path)).close();
  });

  it('a database from a newer Trainyard is refused, naming the file and both versions, and left unchanged', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ty-newer-db-')), 'trainyard.db');
    const newest = (await loadMigrations()).at(-1)!.version;
    const future = new Database(path);
    future.pragma(`user_version = ${newest + 3}`);
    future.exec('CREATE TABLE from_the_future (x)');
    future.close();
    await expect(openWorkspaceDb(path)).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(new RegExp(`^${path}.*newer Trainyard.*version ${newest + 3}.*up to ${newest}`)),
      details: { file: path, hint: expect.stringMatching(/update Trainyard/) },
    });
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(newest + 3);
    expect(tables(after)).toEqual(['from_the_future']);
    after.close();
  });

  it('a new database numbers its datasets from a random start, so a recreated one does not reuse ids', async () => {
    const starts = [];
    for (let i = 0; i < 2; i++) {
      const db = await openWorkspaceDb(join(mkdtempSync(join(tmpdir(), 'ty-new-db-')), 'trainyard.db'));
      starts.push(db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'datasets'`).pluck().get() as number);
      db.close();
    }
    expect(starts[0]).toBeGreaterThan(0);
    expect(starts[1]).not.toBe(starts[0]);
  });
});
