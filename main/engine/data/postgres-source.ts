import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { EngineError, clipText } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { findSecret, redact } from '../embed/api-key.ts';
import { CopyOut } from './pg-copy-out.ts';

/** Environment variables (or .env lines) that may hold the password, checked in this order. */
export const PG_PASSWORD_VARIABLES = ['TRAINYARD_PG_PASSWORD', 'PGPASSWORD'] as const;
/** Rows between progress reports, and bytes gathered before a write: memory stays bounded whatever the result's size. */
const PROGRESS_ROWS = 5000;
const WRITE_BYTES = 1 << 20;
const CURSOR = 'trainyard_export';
const DECLARE = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR `;
const CONNECT_TIMEOUT_MS = 15_000;
// timestamptz and timestamp: their text form depends on DateStyle; to_json writes ISO 8601, which every importer reads.
const TIMESTAMP_TYPES = new Set([1184, 1114]);

/** A PostgreSQL connection URL, and the same connection as it may be shown and recorded. */
export interface PostgresTarget {
  url: URL;
  /** postgres://user@host:port/db: never a password, never the query string */
  label: string;
}

const PASSWORD_HINT = `give the password in ${PG_PASSWORD_VARIABLES.join(' or ')} (environment or .env), in ~/.pgpass, or in the URL (postgres://user:password@host/db)`;

/** Parses a postgres:// URL; anything else is refused naming the form expected. */
export function postgresTarget(source: string): PostgresTarget {
  let url: URL | null = null;
  try {
    url = new URL(source);
  } catch {
    // refused below
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
    const shown = url ? `${url.protocol}//${url.host}` : 'that source';
    throw new EngineError('invalid-input', `${clipText(shown)} is not a PostgreSQL URL: give postgres://user@host:port/database`, {
      field: 'source',
      hint: '--source postgres://user@localhost:5432/shop --query "select user_id, item_id, ts from events"',
    });
  }
  const user = url.username ? `${url.username}@` : '';
  return { url, label: `postgres://${user}${url.hostname}:${url.port || '5432'}${url.pathname === '/' ? '' : url.pathname}` };
}

/** The text of a query as it will be run: trailing semicolons and blanks removed. */
export function normaliseQuery(query: string): string {
  return query.replace(/[\s;]+$/, '').replace(/^\s+/, '');
}

export interface ExportedRows {
  /** the CSV file written: a header line, then one line per row */
  file: string;
  rows: number;
  columns: string[];
}

/**
 * Runs `query` in a read-only transaction and streams its rows into a CSV file. The query is first
 * declared as a cursor (exactly one statement; errors with their position; its columns), then
 * `COPY (…) TO STDOUT` sends the rows as CSV: NULL as an empty field, timestamps as ISO 8601 in UTC
 * (a timestamp without time zone as it is, which importers read as UTC). The file is written under
 * a temporary name and renamed into `file` only when every row is on disk; on any failure nothing
 * is left. The password is used for the connection only and removed from every message.
 */
export async function exportQueryToCsv(source: string, query: string, file: string, ctx: TaskContext, envFile = '.env'): Promise<ExportedRows> {
  const target = postgresTarget(source);
  const text = normaliseQuery(query);
  if (!text) throw new EngineError('invalid-input', 'the query is empty: give a select that returns the rows to import', { field: 'query' });
  const password = target.url.password ? decodeURIComponent(target.url.password) : passwordFromEnv(envFile);
  const connect = new URL(target.url);
  if (password !== undefined) connect.password = encodeURIComponent(password);
  const client = new pg.Client({
    connectionString: connect.href,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'trainyard import',
    // every value as the server's text: numbers and numerics keep their digits
    types: { getTypeParser: () => (value: string) => value },
  });
  client.on('error', () => {
    // a dropped connection also rejects the query in flight, which reports it
  });
  const failure = (err: unknown, phase: Phase, rows = 0) => describeFailure(err, { phase, rows, target, query: text, password, signal: ctx.signal });
  const partial = `${file}.partial`;
  let backend: string | null = null;
  // A server does not notice a closed socket while a query runs: cancel the query, then close.
  const stop = () => void cancelBackend(connect.href, backend).finally(() => void client.end().catch(() => {}));
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    try {
      await client.connect();
      backend = (await client.query<{ pid: string }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    } catch (err) {
      throw failure(err, 'connect');
    }
    ctx.log('info', `connected to ${target.label}; running the query`);
    try {
      await client.query('BEGIN READ ONLY');
      await client.query("SET LOCAL TimeZone TO 'UTC'; SET LOCAL DateStyle TO 'ISO, YMD'");
    } catch (err) {
      throw failure(err, 'connect');
    }
    try {
      // The extended protocol runs exactly one statement: "select …; drop …" is refused.
      // (queryMode is pg's own option, missing from @types/pg.)
      const declare: pg.QueryConfig & { queryMode: 'extended' } = { text: DECLARE + text, queryMode: 'extended' };
      await client.query(declare);
    } catch (err) {
      throw failure(err, 'query');
    }
    let columns: pg.FieldDef[];
    try {
      columns = (await client.query(`FETCH FORWARD 0 FROM ${CURSOR}`)).fields;
      await client.query(`CLOSE ${CURSOR}`);
    } catch (err) {
      throw failure(err, 'query');
    }
    if (!columns.length) throw new EngineError('invalid-input', 'the query returns no columns: select the columns to import', { field: 'query' });
    const rows = await copyRows(copyStatement(text, columns), {
      client,
      path: partial,
      columns,
      ctx,
      stop,
      failure: (err, copied) => failure(err, 'fetch', copied),
    });
    await client.query('COMMIT').catch(() => {});
    await rename(partial, file);
    ctx.log('info', `${rows} rows of ${columns.length} columns read from ${target.label}`);
    return { file, rows, columns: columns.map((c) => c.name) };
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    await client.end().catch(() => {});
  }
}

/** Asks the server, over a second connection, to cancel what backend `pid` runs; never throws. */
async function cancelBackend(url: string, pid: string | null): Promise<void> {
  if (!pid) return;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'trainyard import (cancel)' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // closing the first connection is all that is left to do
  } finally {
    await client.end().catch(() => {});
  }
}

function passwordFromEnv(envFile: string): string | undefined {
  for (const variable of PG_PASSWORD_VARIABLES) {
    const value = findSecret(variable, envFile);
    if (value) return value;
  }
  return undefined;
}

/** One CSV record: fields with a quote, separator, line break or outer blank are quoted. */
function csvLine(values: readonly string[]): string {
  return values.map((v) => (/[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

/**
 * The COPY that writes the query's rows as CSV (NULL as an empty field). The query's columns are
 * renamed c1…cn, so duplicate or odd names cannot clash; the query sits on lines of its own, so a
 * trailing `--` comment stays a comment.
 */
function copyStatement(query: string, columns: readonly pg.FieldDef[]): string {
  const select = columns.map((c, k) => (TIMESTAMP_TYPES.has(c.dataTypeID) ? `to_json(c${k + 1}) #>> '{}'` : `c${k + 1}`));
  const names = columns.map((_, k) => `c${k + 1}`);
  return `COPY (SELECT ${select.join(', ')} FROM (\n${query}\n) AS q(${names.join(', ')})) TO STDOUT WITH (FORMAT csv)`;
}

interface CopyTarget {
  client: pg.Client;
  path: string;
  columns: readonly pg.FieldDef[];
  ctx: TaskContext;
  /** cancels the query on the server and closes the connection */
  stop: () => void;
  failure: (err: unknown, rowsCopied: number) => unknown;
}

/** Runs the COPY into `path` (a header line of the query's column names first), flushed to disk; resolves to the rows written. */
async function copyRows(statement: string, t: CopyTarget): Promise<number> {
  const out = createWriteStream(t.path, { flush: true });
  let writeError: unknown = null;
  out.on('error', (err) => {
    writeError ??= err;
    t.stop();
  });
  out.write(csvLine(t.columns.map((c) => c.name)) + '\n');
  // pg hands each row as a view into its read buffer, which it reuses: rows are copied into a block.
  let block = Buffer.allocUnsafe(WRITE_BYTES);
  let used = 0;
  const flush = (): boolean => {
    if (!used) return true;
    const ok = out.write(block.subarray(0, used));
    block = Buffer.allocUnsafe(WRITE_BYTES);
    used = 0;
    return ok;
  };
  const copy: CopyOut = new CopyOut(statement, (chunk, rows) => {
    if (rows % PROGRESS_ROWS === 0) t.ctx.progress({ stage: 'query', current: rows, total: rows, unit: 'rows' });
    let ok = true;
    if (used + chunk.length > WRITE_BYTES) ok = flush();
    if (chunk.length > WRITE_BYTES) ok = out.write(Buffer.from(chunk)) && ok;
    else used += chunk.copy(block, used);
    if (ok) return true;
    out.once('drain', () => copy.resume());
    return false;
  });
  t.client.query(copy);
  let rows: number;
  try {
    rows = await copy.done;
  } catch (err) {
    out.destroy();
    throw writeError ?? t.failure(err, copy.rowsCopied);
  }
  flush();
  out.end();
  await finished(out).catch(() => {});
  if (writeError) throw writeError;
  t.ctx.progress({ stage: 'query', current: rows, total: rows, unit: 'rows' });
  return rows;
}

type Phase = 'connect' | 'query' | 'fetch';

interface FailureContext {
  phase: Phase;
  rows: number;
  target: PostgresTarget;
  query: string;
  password: string | undefined;
  signal: AbortSignal;
}

/** A pg or socket error as an EngineError in the user's terms, with the password removed; a file error as it is. */
function describeFailure(err: unknown, c: FailureContext): unknown {
  if (err instanceof EngineError) return err;
  if (c.signal.aborted) return new EngineError('cancelled', 'cancelled');
  if ((err as NodeJS.ErrnoException).syscall && (err as NodeJS.ErrnoException).path) return err; // writing the file: a full disk is told as such
  const e = err as Partial<pg.DatabaseError> & { code?: string; message?: string };
  const clean = (text: string) => clipText(c.password ? redact(text, c.password) : text, 500);
  const message = clean(String(e.message ?? err));
  const where = c.target.label;
  const hostPort = `${c.target.url.hostname}:${c.target.url.port || '5432'}`;
  const make = (text: string, details: Record<string, unknown>) =>
    new EngineError('invalid-input', clean(text), { source: where, ...(e.code ? { code: e.code } : {}), ...details });
  switch (e.code) {
    case 'ECONNREFUSED':
      return make(`could not connect to PostgreSQL at ${hostPort}: connection refused`, {
        field: 'source',
        hint: 'check that the server is running and listens on that host and port',
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`could not connect to PostgreSQL: the host ${c.target.url.hostname} was not found`, { field: 'source', hint: 'check the host name' });
    case '28P01':
    case '28000':
      return make(`PostgreSQL at ${where} refused the login: ${message}`, { field: 'source', hint: PASSWORD_HINT });
    case '3D000':
      return make(`PostgreSQL at ${hostPort}: ${message}`, { field: 'source', hint: 'check the database name, the last part of the URL' });
    case '25006':
      return make(`the query would change the database, and an import only reads: ${message}`, { field: 'query', hint: 'give a select' });
  }
  if (/password must be a string|no password|password authentication/i.test(message))
    return make(`PostgreSQL at ${where} asks for a password and none was given`, { field: 'source', hint: PASSWORD_HINT });
  if (c.phase === 'connect')
    return make(`could not connect to PostgreSQL at ${where}: ${message}`, { field: 'source', hint: 'check the URL and that the server accepts connections' });
  const serverError = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !e.code.startsWith('57') && !e.code.startsWith('08');
  if (serverError) {
    const at = c.phase === 'query' ? queryPosition(c.query, e.position) : null;
    return make(`the query failed${at ? ` at line ${at.line}, column ${at.column}` : ''}: ${message}`, {
      field: 'query',
      ...(at ?? {}),
      ...(e.detail ? { detail: clean(e.detail) } : {}),
      hint: e.hint ? clean(e.hint) : 'run the query in psql to check it, then import again',
    });
  }
  return make(`the connection to PostgreSQL at ${where} was lost after ${c.rows} rows (${message}): nothing was imported`, {
    field: 'source',
    hint: 'run the import again',
  });
}

/** Line and column in the user's query of the server's 1-based character position in the DECLARE statement. */
function queryPosition(query: string, position: string | undefined): { line: number; column: number } | null {
  const index = Number(position) - 1 - DECLARE.length;
  if (!Number.isInteger(index) || index < 0) return null;
  const before = Array.from(query).slice(0, index).join('');
  const lines = before.split('\n');
  return { line: lines.length, column: Array.from(lines.at(-1)!).length + 1 };
}
