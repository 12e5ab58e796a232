import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatasetProfile, ImportArgs } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { ProcessOwner } from '../../common/contracts/runs.ts';
import { currentOwner, ownerAlive } from '../common/process-owner.ts';
import type { TaskContext } from '../common/task-context.ts';
import { exportQueryToCsv, normaliseQuery, postgresTarget } from '../data/postgres-source.ts';
import { importDataset } from './datasets.ts';
import type { Db } from './db.ts';

const ROLES = ['interactions', 'items'] as const;
type Role = (typeof ROLES)[number];
/** The temporary files' names, which importers' messages quote, and what the user knows them as. */
const RESULT_FILES: Record<Role, string> = { interactions: 'interactions-query.csv', items: 'items-query.csv' };
const RESULT_NAMES: Record<Role, string> = { interactions: "the query's result", items: "the items query's result" };

/**
 * An import whose rows may come from PostgreSQL queries: each query's result is streamed into a CSV
 * file in `tmpRoot` (the workspace's tmp/), complete before anything reads it, and those files are
 * imported as any file is. The dataset records the connection without its password, its fingerprint
 * covers the queries as well as the bytes, and the temporary files are removed whatever happens.
 */
export async function importFromSource(db: Db, args: ImportArgs, tmpRoot: string, ctx: TaskContext): Promise<DatasetProfile> {
  const { source, ...files } = args;
  if (!source) return importDataset(db, args, ctx);
  const target = postgresTarget(source.url);
  const queries: Record<Role, string | undefined> = {
    interactions: source.query && normaliseQuery(source.query),
    items: source.itemsQuery && normaliseQuery(source.itemsQuery),
  };
  if (!queries.interactions && !queries.items)
    throw new EngineError('invalid-input', `nothing to read from ${target.label}: give the query whose rows to import`, {
      field: 'query',
      hint: '--query "select user_id, item_id, rating, ts from events" (and --items-query for the catalogue)',
    });
  for (const role of ROLES)
    if (queries[role] && files[role])
      throw new EngineError('invalid-input', `the ${role} were given both as a file and as a query: give one of them`, {
        field: role,
        hint: role === 'items' ? 'drop --items or --items-query' : 'drop the file argument or --query',
      });

  const dir = makeOwnedDir(tmpRoot);
  try {
    const fetched: ImportArgs = { ...files };
    for (const role of ROLES) {
      const query = queries[role];
      if (!query) continue;
      const result = await exportQueryToCsv(source.url, query, join(dir, RESULT_FILES[role]), ctx);
      if (result.rows === 0)
        throw new EngineError('invalid-input', `${role === 'items' ? 'the items query' : 'the query'} returned no rows: nothing to import`, {
          field: role === 'items' ? 'itemsQuery' : 'query',
          source: target.label,
          hint: 'check its where clause, and that the role in the URL may see those rows',
        });
      fetched[role] = result.file;
    }
    const sources = [...new Set(ROLES.flatMap((role) => (queries[role] ? [target.label] : files[role] ? [resolve(files[role])] : [])))];
    const fingerprintText = JSON.stringify({ query: queries.interactions ?? null, itemsQuery: queries.items ?? null });
    try {
      return await importDataset(db, fetched, ctx, { sources, fingerprintText });
    } catch (err) {
      throw inQueryTerms(err, dir, target.label);
    }
  } finally {
    removeOwnedDir(dir);
  }
}

const OWNED_DIR = /^import-[0-9a-f]{12}$/;
/**
 * A folder for one import's files, beside `<folder>.owner` naming this process, so that the files
 * of a process killed mid-import are removed when a workspace is next opened. The owner file is
 * complete (renamed into place) before the folder exists, and removed after it.
 */
function makeOwnedDir(tmpRoot: string): string {
  mkdirSync(tmpRoot, { recursive: true });
  const dir = join(tmpRoot, `import-${randomBytes(6).toString('hex')}`);
  writeFileSync(`${dir}.owner.tmp`, JSON.stringify(currentOwner()));
  renameSync(`${dir}.owner.tmp`, `${dir}.owner`);
  mkdirSync(dir);
  return dir;
}

function removeOwnedDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.owner`, { force: true });
}

/** Removes the import folders in `tmpRoot` whose process is gone (killed mid-import); returns how many. */
export function removeAbandonedSourceFiles(tmpRoot: string): number {
  if (!existsSync(tmpRoot)) return 0;
  let removed = 0;
  for (const name of readdirSync(tmpRoot)) {
    const base = name.replace(/\.owner$/, '');
    if (base === name || !OWNED_DIR.test(base)) continue;
    const dir = join(tmpRoot, base);
    let owner: ProcessOwner;
    try {
      owner = JSON.parse(readFileSync(`${dir}.owner`, 'utf8')) as ProcessOwner;
    } catch {
      continue; // removed meanwhile by its owner
    }
    if (ownerAlive(owner)) continue;
    removeOwnedDir(dir);
    removed++;
  }
  return removed;
}

/** An importer's error about a temporary file, told about the query it holds the result of. */
function inQueryTerms(err: unknown, dir: string, label: string): unknown {
  if (!(err instanceof EngineError)) return err;
  // the full paths first, then the file names alone ("query-result.csv: …")
  const names = ROLES.flatMap((role) => [join(dir, RESULT_FILES[role]), RESULT_FILES[role]].map((file) => [file, RESULT_NAMES[role]] as const));
  const told = (text: string) => names.reduce((t, [file, name]) => t.split(file).join(name), text);
  const details = Object.fromEntries(
    Object.entries(err.details ?? {}).map(([k, v]) => [
      k,
      k === 'file' && typeof v === 'string' && v.startsWith(dir) ? label : typeof v === 'string' ? told(v) : v,
    ]),
  );
  if (typeof details.hint === 'string' && details.hint.includes('--map')) details.hint += ', or name the columns in the query (select customer AS user_id …)';
  const retold = new EngineError(err.kind, told(err.message), details);
  if (err.stack) retold.stack = told(err.stack);
  return retold;
}
