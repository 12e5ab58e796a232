import Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { basename } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';

export type Db = Database.Database;

/** Every migration (migrations/index.ts), checked to be numbered 1..n in order. */
export async function loadMigrations(): Promise<Migration[]> {
  MIGRATIONS.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} declares version ${m.version}; it is listed at ${i + 1}`);
  });
  return [...MIGRATIONS];
}

/** Applies the migrations newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[], upTo = Infinity): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= version || m.version > upTo) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}

/** Opens (creating if needed) a workspace database in WAL mode with every migration applied. */
export async function openWorkspaceDb(path: string): Promise<Db> {
  const db = new Database(path);
  try {
    return await prepareWorkspaceDb(db, path);
  } catch (err) {
    if (db.open) db.close();
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.test(code)) throw damagedDatabase(path, code);
    throw err;
  }
}

const DAMAGED = /^SQLITE_(NOTADB|CORRUPT)/;

/** Whether openWorkspaceDb failed because the database file is damaged (the run folders can still be read). */
export function isDamagedDatabaseError(err: unknown): boolean {
  return err instanceof EngineError && DAMAGED.test(String(err.details?.code));
}

/** A workspace database SQLite cannot read: name the file and the way out (the run folders are not in it). */
function damagedDatabase(path: string, code: string): EngineError {
  return new EngineError(
    'invalid-input',
    `${path} is damaged or is not a Trainyard database (${code}), so the workspace cannot be opened; the run folders beside it are not affected`,
    {
      file: path,
      code,
      hint: `move it aside (e.g. rename it to ${basename(path)}.damaged) and try again: a new database is made, the runs stay listed, and the data is imported again`,
    },
  );
}

async function prepareWorkspaceDb(db: Db, path: string): Promise<Db> {
  // Takes effect in a new database; an older one is converted by the first VACUUM (see reclaimSpace).
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const migrations = await loadMigrations();
  const found = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (found > newest) {
    db.close();
    throw new EngineError(
      'conflict',
      `${path} was written by a newer Trainyard (database version ${found}; this Trainyard knows versions up to ${newest}); it was left unchanged`,
      {
        file: path,
        hint: 'update Trainyard to open this workspace',
      },
    );
  }
  migrate(db, migrations);
  if (found === 0) numberDatasetsFromRandomStart(db);
  return db;
}

/**
 * A new database numbers its datasets from a random start, so a workspace whose database was
 * recreated does not hand out the ids its runs recorded for other data.
 */
function numberDatasetsFromRandomStart(db: Db): void {
  db.prepare(`INSERT INTO sqlite_sequence (name, seq) SELECT 'datasets', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'datasets')`).run(
    randomInt(1, 1_000_000) * 1000,
  );
}

const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * Gives the pages freed by large deletions back to the file system; without it the file never
 * shrinks. Incremental in databases created with auto_vacuum; a database from before is rewritten
 * once by VACUUM, which also turns auto_vacuum on. Best effort: another connection's open
 * transaction makes it wait or skip, and the next deletion tries again.
 */
export function reclaimSpace(db: Db): void {
  try {
    if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) db.pragma('incremental_vacuum');
    else db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // busy: the space stays free inside the file and is reused by the next import
  }
}
