import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseSync } from 'csv-parse/sync';
import { type AsyncBuffer, type FileMetaData, asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { EngineError, clipText } from '../../common/contracts/errors.ts';
import { utf8Bytes } from './decode.ts';
import type { DelimitedLayout, FileLayout } from './layout.ts';

/** Rows of a source file, in batches; `lines` holds each row's 1-based line (header counted) or row number. */
export interface RecordBatch {
  rows: string[][];
  lines: number[];
}

export interface RecordReader {
  columns: string[];
  /** what `lines` counts: text lines, or rows of a Parquet file */
  position: 'line' | 'row';
  batches: AsyncGenerator<RecordBatch>;
  /** share of the file read so far, in [0, 1] */
  done(): number;
  /** releases the file when the batches are not read to the end */
  close(): Promise<void>;
}

/** Longest record accepted: bounds the memory a file without line breaks can take. */
export const MAX_RECORD_BYTES = 8 << 20;
const BATCH_ROWS = 4096;

export async function openRecords(path: string, layout: FileLayout): Promise<RecordReader> {
  if (layout.kind === 'delimited') return openDelimited(path, layout);
  if (layout.kind === 'jsonl') return openJsonl(path);
  return openParquet(path);
}

export function tooLong(path: string, line: number): EngineError {
  return new EngineError(
    'invalid-input',
    `${basename(path)} line ${line}: a record is longer than ${MAX_RECORD_BYTES >> 20} MiB. The file is probably not ` +
      'line-oriented text, or a quote is never closed; check the export settings (one record per line).',
    { file: path, line },
  );
}

/**
 * Delimited text, split by hand on the hot path: a line without quotes is split on the delimiter;
 * a record with quoted fields (which may span lines) is handed whole to csv-parse.
 */
async function openDelimited(path: string, layout: DelimitedLayout): Promise<RecordReader> {
  const size = (await stat(path)).size;
  let read = 0;
  const records = delimitedBatches(path, layout, (n) => (read += n));
  let columns = layout.columns;
  let first: RecordBatch | null = null;
  const head = await records.next();
  if (!head.done) {
    first = head.value;
    if (!columns) {
      columns = first.rows[0]!.map((c) => c.trim());
      first = { rows: first.rows.slice(1), lines: first.lines.slice(1) };
    }
  }
  if (!columns) throw new EngineError('invalid-input', `${basename(path)}: the file has no rows`, { file: path });
  async function* batches(): AsyncGenerator<RecordBatch> {
    if (first?.rows.length) yield first;
    for await (const batch of records) yield batch;
  }
  const close = async () => {
    await records.return(undefined);
  };
  return { columns, position: 'line', batches: batches(), done: () => Math.min(1, read / size), close };
}

async function* delimitedBatches(path: string, layout: DelimitedLayout, onBytes: (n: number) => void): AsyncGenerator<RecordBatch> {
  const { delimiter, reshape } = layout;
  const quote = layout.quote;
  let line = 0;
  let carry = '';
  /** a quoted record still open at the end of its last line */
  let open: { text: string; line: number } | null = null;
  let rows: string[][] = [];
  let lines: number[] = [];
  const push = (values: string[], at: number) => {
    rows.push(reshape ? reshape(values) : values);
    lines.push(at);
  };
  const take = (raw: string) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (open) {
      open.text += '\n' + text;
      if (open.text.length > MAX_RECORD_BYTES) throw tooLong(path, open.line);
      if (!endsInQuotes(text, delimiter, true)) {
        push(parseQuoted(path, open.text, delimiter, open.line), open.line);
        open = null;
      }
      return;
    }
    if (text === '') return;
    if (!quote || !text.includes('"')) push(text.split(delimiter), line);
    else if (endsInQuotes(text, delimiter, false)) open = { text, line };
    else push(parseQuoted(path, text, delimiter, line), line);
  };
  for await (const chunk of utf8Bytes(path, layout.encoding) as AsyncIterable<Buffer>) {
    onBytes(chunk.length);
    const parts = (carry + chunk.toString('utf8')).split('\n');
    carry = parts.pop()!;
    if (carry.length > MAX_RECORD_BYTES) throw tooLong(path, line + 1);
    for (const raw of parts) take(raw);
    if (rows.length >= BATCH_ROWS) {
      yield { rows, lines };
      rows = [];
      lines = [];
    }
  }
  if (carry) take(carry);
  if (open) {
    const at = (open as { line: number }).line;
    throw new EngineError('invalid-input', `${basename(path)} line ${at}: a quoted field is never closed; close the quote or remove it`, {
      file: path,
      line: at,
    });
  }
  if (rows.length) yield { rows, lines };
}

/** Whether a line ends inside a quoted field (a quote opens a field only at the field's start). */
function endsInQuotes(text: string, delimiter: string, startInQuotes: boolean): boolean {
  let inQuotes = startInQuotes;
  let fieldStart = !startInQuotes;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (inQuotes) {
      if (c === '"') {
        if (text[k + 1] === '"') k++;
        else inQuotes = false;
      }
    } else if (c === delimiter) fieldStart = true;
    else {
      if (c === '"' && fieldStart) inQuotes = true;
      fieldStart = false;
    }
  }
  return inQuotes;
}

function parseQuoted(path: string, text: string, delimiter: string, line: number): string[] {
  try {
    const [record] = parseSync(text, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][];
    return record ?? [];
  } catch (e) {
    throw new EngineError('invalid-input', `${basename(path)} line ${line}: ${clipText((e as Error).message, 200)}`, { file: path, line });
  }
}

async function openJsonl(path: string): Promise<RecordReader> {
  const size = (await stat(path)).size;
  let read = 0;
  const objects = jsonObjects(path, (n) => (read += n));
  const head = await objects.next();
  if (head.done) throw new EngineError('invalid-input', `${basename(path)}: the file has no rows`, { file: path });
  const columns = Object.keys(head.value.value);
  async function* batches(): AsyncGenerator<RecordBatch> {
    let batch: RecordBatch = { rows: [rowOf(head.value!.value, columns)], lines: [head.value!.line] };
    for await (const { value, line } of objects) {
      batch.rows.push(rowOf(value, columns));
      batch.lines.push(line);
      if (batch.rows.length >= BATCH_ROWS) {
        yield batch;
        batch = { rows: [], lines: [] };
      }
    }
    if (batch.rows.length) yield batch;
  }
  const close = async () => {
    await objects.return(undefined);
  };
  return { columns, position: 'line', batches: batches(), done: () => Math.min(1, read / size), close };
}

async function* jsonObjects(path: string, onBytes: (n: number) => void): AsyncGenerator<{ value: Record<string, unknown>; line: number }> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const parseLine = (buf: Buffer) => {
    line++;
    const text = buf.toString('utf8').trim();
    if (text === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new EngineError(
        'invalid-input',
        `${basename(path)} line ${line}: not valid JSON (${clipText((e as Error).message, 200)}); each line must hold one JSON object`,
        {
          file: path,
          line,
        },
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new EngineError('invalid-input', `${basename(path)} line ${line}: expected a JSON object per line`, { file: path, line });
    return { value: value as Record<string, unknown>, line };
  };
  for await (const chunk of utf8Bytes(path, 'utf-8') as AsyncIterable<Buffer>) {
    onBytes(chunk.length);
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const whole = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      if (whole.length > MAX_RECORD_BYTES) throw tooLong(path, line + 1);
      const parsed = parseLine(whole);
      if (parsed) yield parsed;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_RECORD_BYTES) throw tooLong(path, line + 1);
    }
  }
  if (pending.length) {
    const parsed = parseLine(Buffer.concat(pending));
    if (parsed) yield parsed;
  }
}

function rowOf(obj: Record<string, unknown>, columns: string[]): string[] {
  return columns.map((c) => cellText(obj[c]));
}

/** Every value becomes text: dates as ISO strings, nested values as JSON. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** A decoder error as a message naming the file (and the rows it could not read) with what to do. */
function corruptParquet(path: string, cause: unknown, rows?: { from: number; to: number }): EngineError {
  const where = rows ? `rows ${rows.from}–${rows.to} cannot be decoded` : 'not a readable Parquet file';
  return new EngineError(
    'invalid-input',
    `${basename(path)}: ${where} (${clipText(String((cause as Error).message ?? cause), 200)}); the file is damaged or was cut short`,
    {
      file: path,
      ...(rows ? { line: rows.from } : {}),
      hint: 'copy or export the file again; if it was written by another tool, check that the write finished',
    },
  );
}

async function openParquet(path: string): Promise<RecordReader> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  let columns: string[];
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (e) {
    throw corruptParquet(path, e);
  }
  const total = Number(metadata.num_rows);
  let read = 0;
  async function* batches(): AsyncGenerator<RecordBatch> {
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      let rows: unknown[][] = [];
      try {
        await parquetRead({ file, metadata, rowStart, rowEnd, rowFormat: 'array', onComplete: (r: unknown[][]) => (rows = r) });
      } catch (e) {
        throw corruptParquet(path, e, { from: rowStart + 1, to: rowEnd });
      }
      const lines = rows.map((_, k) => rowStart + k + 1);
      yield { rows: rows.map((r) => r.map(cellText)), lines };
      rowStart = rowEnd;
      read = rowEnd;
    }
  }
  return { columns, position: 'row', batches: batches(), done: () => (total ? read / total : 1), close: async () => {} };
}
