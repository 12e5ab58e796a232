import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, FLOAT, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { throwIfCancelled } from '../../common/contracts/errors.ts';
import { ownerAlive } from '../common/process-owner.ts';

/**
 * The engine's DuckDB: a fresh in-memory database per task (an import, a load), so temporary
 * tables never outlive it and two tasks never see each other's. Memory is capped and larger work
 * spills to a folder of its own under `spillDir` (`<pid>-<thread>-<random>`, removed on close;
 * removeStaleSpill clears those of dead processes), which keeps an import of any size in bounded memory.
 */
export interface Duck {
  conn: DuckDBConnection;
  close(): void;
}

const MEMORY_LIMIT = '512MB';

/** A new in-memory database; `signal` interrupts the running query when it aborts. */
export async function openDuck(spillDir?: string, signal?: AbortSignal): Promise<Duck> {
  const options: Record<string, string> = { memory_limit: MEMORY_LIMIT, preserve_insertion_order: 'true' };
  const own = spillDir ? join(spillDir, `${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`) : null;
  if (own) {
    mkdirSync(own, { recursive: true });
    options.temp_directory = own;
  }
  const instance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();
  const interrupt = () => conn.interrupt();
  signal?.addEventListener('abort', interrupt);
  return {
    conn,
    close: () => {
      signal?.removeEventListener('abort', interrupt);
      conn.closeSync();
      instance.closeSync();
      if (own) rmSync(own, { recursive: true, force: true });
    },
  };
}

/** Removes the spill folders under `spillDir` of processes that are gone (killed mid-import). */
export function removeStaleSpill(spillDir: string): void {
  if (!existsSync(spillDir)) return;
  for (const entry of readdirSync(spillDir)) {
    const pid = Number(entry.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !ownerAlive({ pid, host: hostname(), started: '' }))
      rmSync(join(spillDir, entry), { recursive: true, force: true });
  }
}

/** A SQL string literal. */
export const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A SQL identifier. */
export const sqlName = (s: string) => `"${s.replace(/"/g, '""')}"`;

type NumericArray = Int32Array | Float32Array | Float64Array;
type NumericCtor = Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * Runs `sql` and copies its columns (all of the SQL types INTEGER, FLOAT or DOUBLE matching
 * `types`, never NULL) into typed arrays of `rows` entries, chunk by chunk: no object per row.
 */
export async function readNumericColumns<T extends readonly NumericCtor[]>(
  duck: Duck,
  sql: string,
  rows: number,
  types: T,
  signal?: AbortSignal,
): Promise<{ [K in keyof T]: InstanceType<T[K]> }> {
  const out = types.map((Ctor) => new Ctor(rows)) as NumericArray[];
  let at = 0;
  await forEachNumericChunk(
    duck,
    sql,
    types,
    (columns, n) => {
      if (at + n > rows) throw new Error(`the query returned more than the ${rows} rows expected`);
      out.forEach((column, c) => column.set(columns[c]!, at));
      at += n;
    },
    signal,
  );
  if (at !== rows) throw new Error(`the query returned ${at} rows; ${rows} were expected`);
  return out as { [K in keyof T]: InstanceType<T[K]> };
}

/**
 * Streams `sql`'s numeric columns (as readNumericColumns) to `onChunk` one result chunk at a time,
 * as views valid only during the call: memory stays that of one chunk, whatever the result's size.
 */
export async function forEachNumericChunk<T extends readonly NumericCtor[]>(
  duck: Duck,
  sql: string,
  types: T,
  onChunk: (columns: { [K in keyof T]: InstanceType<T[K]> }, rows: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const result = await duck.conn.stream(sql);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    if (signal) throwIfCancelled(signal);
    const n = chunk.rowCount;
    onChunk(types.map((Ctor, c) => chunkColumn(chunk, c, Ctor, n)) as { [K in keyof T]: InstanceType<T[K]> }, n);
  }
}

/** A view of a fixed-width column's values inside a chunk (valid until the next fetch). */
function chunkColumn(chunk: DuckDBDataChunk, column: number, Ctor: NumericCtor, rows: number): NumericArray {
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * Ctor.BYTES_PER_ELEMENT);
  return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, rows);
}

/** The first column of every row, as strings (ids, dictionaries). */
export async function readTextColumn(duck: Duck, sql: string): Promise<string[]> {
  const reader = await duck.conn.runAndReadAll(sql);
  return (reader.getColumns()[0] ?? []).map((v) => String(v));
}

/** One row of a query as plain JavaScript values. */
export async function readRow(duck: Duck, sql: string): Promise<Record<string, unknown>> {
  const reader = await duck.conn.runAndReadAll(sql);
  return reader.getRowObjectsJS()[0] ?? {};
}

/** A column to load: fixed-width values copied as bytes, or text. */
export type LoadColumn = Int32Array | Float32Array | Float64Array | string[];

const CHUNK_ROWS = 2048;

function columnType(c: LoadColumn): DuckDBType {
  if (Array.isArray(c)) return VARCHAR;
  if (c instanceof Int32Array) return INTEGER;
  return c instanceof Float32Array ? FLOAT : DOUBLE;
}

/**
 * Creates (or replaces) `table` from columns of equal length: numbers are copied into DuckDB's
 * vectors chunk by chunk as bytes, text through the appender's conversion.
 */
export async function tableFromColumns(duck: Duck, table: string, columns: Record<string, LoadColumn>): Promise<void> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  const types = values.map(columnType);
  await duck.conn.run(`CREATE OR REPLACE TABLE ${sqlName(table)} (${names.map((n, k) => `${sqlName(n)} ${types[k]!.toString()}`).join(', ')})`);
  const rows = values[0]?.length ?? 0;
  const appender = await duck.conn.createAppender(table);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, end - start);
    values.forEach((column, c) => {
      if (Array.isArray(column)) chunk.setColumnValues(c, column.slice(start, end));
      else {
        const part = column.subarray(start, end);
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk.chunk, c), 0, part.buffer as ArrayBuffer, part.byteOffset, part.byteLength);
      }
    });
    chunk.rowCount = end - start;
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

/** 0, 1, …, n − 1: the index column of a dictionary. */
export function positions(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = k;
  return out;
}
