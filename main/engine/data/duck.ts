import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { throwIfCancelled } from '../../common/contracts/errors.ts';

/**
 * The engine's DuckDB: a fresh in-memory database per task (an import, a load), so temporary
 * tables never outlive it and two tasks never see each other's. Memory is capped and larger work
 * spills to `spillDir`, which keeps an import of any size in bounded memory.
 */
export interface Duck {
  conn: DuckDBConnection;
  close(): void;
}

const MEMORY_LIMIT = '512MB';

export async function openDuck(spillDir?: string): Promise<Duck> {
  const options: Record<string, string> = { memory_limit: MEMORY_LIMIT, preserve_insertion_order: 'true' };
  if (spillDir) options.temp_directory = spillDir;
  const instance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
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
  const result = await duck.conn.stream(sql);
  let at = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    if (signal) throwIfCancelled(signal);
    const n = chunk.rowCount;
    if (at + n > rows) throw new Error(`the query returned more than the ${rows} rows expected`);
    out.forEach((column, c) => column.set(chunkColumn(chunk, c, types[c]!, n), at));
    at += n;
  }
  if (at !== rows) throw new Error(`the query returned ${at} rows; ${rows} were expected`);
  return out as { [K in keyof T]: InstanceType<T[K]> };
}

/** A view of a fixed-width column's values inside a chunk (valid until the next fetch). */
function chunkColumn(chunk: DuckDBDataChunk, column: number, Ctor: NumericCtor, rows: number): NumericArray {
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * Ctor.BYTES_PER_ELEMENT);
  return new Ctor(bytes.buffer, bytes.byteOffset, rows);
}

/** The first column of every row, as strings (ids, dictionaries). */
export async function readTextColumn(duck: Duck, sql: string): Promise<string[]> {
  const reader = await duck.conn.runAndReadAll(sql);
  return reader.getColumns()[0]!.map((v) => String(v));
}

/** One row of a query as plain JavaScript values. */
export async function readRow(duck: Duck, sql: string): Promise<Record<string, unknown>> {
  const reader = await duck.conn.runAndReadAll(sql);
  return reader.getRowObjectsJS()[0] ?? {};
}
