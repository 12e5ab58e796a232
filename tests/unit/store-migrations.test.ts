import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../main/engine/store/db.ts';

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('workspace migrations', () => {
  it('are numbered 1..n without gaps', async () => {
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
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
});
