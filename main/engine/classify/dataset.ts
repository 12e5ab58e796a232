import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { EngineError, clipText } from '../../common/contracts/errors.ts';
import { columnList } from '../data/columns.ts';
import { decodeUtf8Text } from '../data/decode.ts';
import { checkRegularFile } from '../data/input-file.ts';

export interface LabelledText {
  text: string;
  label: string;
  /** 1-based line in the source file, when read from one */
  line?: number;
}

export interface LoadedDataset {
  source: string;
  textCol: string;
  labelCol: string;
  rows: LabelledText[];
  /** rows whose label cell was empty: dropped, reported */
  missingLabels: number;
}

export interface ColumnChoice {
  textCol?: string;
  labelCol?: string;
}

/**
 * Input bounds: one record (and so one text) may hold at most MAX_RECORD_CHARS characters and a
 * file at most MAX_COLUMNS columns. Without them a 50 MB cell took 1.9 GB and 200,000 columns
 * 1.1 GB while training; beyond them the file is refused, naming the line.
 */
export const MAX_RECORD_CHARS = 1_000_000;
export const MAX_COLUMNS = 1000;

function tooManyColumns(path: string, n: number): EngineError {
  return new EngineError(
    'invalid-input',
    `${basename(path)}: the header has ${n.toLocaleString('en-US')} columns, more than the ${MAX_COLUMNS} a labelled text file may have`,
    {
      file: path,
      line: 1,
      hint: 'keep only the text and label columns (is the delimiter right?)',
    },
  );
}

function recordTooLong(path: string, line: number | undefined): EngineError {
  return new EngineError(
    'invalid-input',
    `${basename(path)}${line ? ` line ${line}` : ''}: a record is longer than ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters`,
    {
      file: path,
      ...(line ? { line } : {}),
      hint: 'shorten or split that text; if no text is that long, a quote is probably never closed',
    },
  );
}

const TEXT_NAMES = ['text', 'review', 'message', 'body', 'content', 'sentence', 'document', 'comment', 'tweet', 'description', 'email'];
const LABEL_NAMES = ['label', 'class', 'category', 'sentiment', 'target', 'labels', 'topic', 'tag', 'y'];

function pickColumn(columns: readonly string[], wanted: string | undefined, candidates: readonly string[], role: string, flag: string, file: string): string {
  if (wanted !== undefined) {
    if (columns.includes(wanted)) return wanted;
    throw new EngineError('invalid-input', `${file}: there is no column "${clipText(wanted)}" for the ${role}; columns are: ${columnList(columns)}`, {
      file,
      field: clipText(wanted),
      hint: `pass one of the existing columns with ${flag}`,
    });
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const name of candidates) {
    const i = lower.indexOf(name);
    if (i >= 0) return columns[i]!;
  }
  throw new EngineError('invalid-input', `${file}: no ${role} column found among ${columnList(columns)}`, {
    file,
    hint: `name the column with ${flag} (recognised names: ${candidates.join(', ')})`,
  });
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

interface RawRecord {
  line: number;
  fields: Record<string, unknown>;
}

function readCsv(path: string, content: string, delimiter: string): { columns: string[]; records: RawRecord[] } {
  let parsed: { record: Record<string, unknown>; info: { lines: number } }[];
  try {
    const [header] = parse(content, { bom: true, delimiter, to_line: 1, relax_column_count: true }) as string[][];
    if (header && header.length > MAX_COLUMNS) throw tooManyColumns(path, header.length);
    parsed = parse(content, {
      columns: true,
      bom: true,
      delimiter,
      skip_empty_lines: true,
      info: true,
      relax_column_count: false,
      max_record_size: MAX_RECORD_CHARS,
    }) as never;
  } catch (err) {
    if (err instanceof EngineError) throw err;
    const e = err as { message: string; lines?: number; code?: string; column?: string | number | null };
    if (e.code === 'CSV_MAX_RECORD_SIZE') throw recordTooLong(path, e.lines);
    throw new EngineError('invalid-input', `${path}${e.lines ? `:${e.lines}` : ''}: ${clipText(e.message, 300)}`, {
      file: path,
      line: e.lines,
      ...(e.column !== null && e.column !== undefined ? { column: e.column } : {}),
      code: e.code,
      hint: 'fix the quoting or the number of fields on that line (fields containing the delimiter, quotes or newlines must be quoted)',
    });
  }
  const first = parsed[0];
  const columns = first ? Object.keys(first.record) : [];
  return { columns, records: parsed.map((p) => ({ line: p.info.lines, fields: p.record })) };
}

function readJsonl(path: string, content: string): { columns: string[]; records: RawRecord[] } {
  const records: RawRecord[] = [];
  const columns = new Set<string>();
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    if (raw.length > MAX_RECORD_CHARS) throw recordTooLong(path, i + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new EngineError('invalid-input', `${path}:${i + 1}: not valid JSON (${clipText((err as Error).message, 200)})`, {
        file: path,
        line: i + 1,
        hint: 'JSONL needs one JSON object per line',
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new EngineError('invalid-input', `${path}:${i + 1}: expected a JSON object with a text and a label field`, { file: path, line: i + 1 });
    }
    for (const k of Object.keys(value)) columns.add(k);
    if (columns.size > MAX_COLUMNS) throw tooManyColumns(path, columns.size);
    records.push({ line: i + 1, fields: value as Record<string, unknown> });
  }
  return { columns: [...columns], records };
}

/** Reads a labelled CSV/TSV/JSONL file; text and label columns are detected by name unless given. */
export function readLabelledFile(path: string, choice: ColumnChoice = {}): LoadedDataset {
  checkRegularFile(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EngineError('invalid-input', missing ? `${path}: file not found` : `cannot read ${path}: ${(err as Error).message}`, {
      file: path,
      hint: 'check the path',
    });
  }
  const content = decodeUtf8Text(path, bytes);
  const ext = extname(path).toLowerCase();
  let table: { columns: string[]; records: RawRecord[] };
  if (ext === '.jsonl' || ext === '.ndjson') table = readJsonl(path, content);
  else if (ext === '.csv' || ext === '.tsv') table = readCsv(path, content, ext === '.tsv' ? '\t' : ',');
  else {
    throw new EngineError('invalid-input', `${basename(path)}: unsupported file type "${ext}"`, {
      file: path,
      hint: 'use .csv, .tsv, .jsonl or .ndjson',
    });
  }
  if (table.records.length === 0)
    throw new EngineError('invalid-input', `${path}: no data rows`, { file: path, hint: 'the file needs a header and at least one row' });
  const textCol = pickColumn(table.columns, choice.textCol, TEXT_NAMES, 'text', '--text-col', path);
  const labelCol = pickColumn(table.columns, choice.labelCol, LABEL_NAMES, 'label', '--label-col', path);
  if (textCol === labelCol) {
    throw new EngineError('invalid-input', `${path}: text and label would both be column "${textCol}"`, {
      file: path,
      hint: 'pass --text-col and --label-col explicitly',
    });
  }
  const rows: LabelledText[] = [];
  let missingLabels = 0;
  for (const r of table.records) {
    const label = cellText(r.fields[labelCol]).trim();
    if (label === '') {
      missingLabels++;
      continue;
    }
    rows.push({ text: cellText(r.fields[textCol]), label, line: r.line });
  }
  return { source: path, textCol, labelCol, rows, missingLabels };
}

export interface Stats {
  min: number;
  median: number;
  mean: number;
  p95: number;
  max: number;
}

export function describe(values: readonly number[]): Stats {
  if (values.length === 0) return { min: 0, median: 0, mean: 0, p95: 0, max: 0 };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
  let sum = 0;
  for (const v of s) sum += v;
  return { min: s[0]!, median: at(0.5), mean: sum / s.length, p95: at(0.95), max: s[s.length - 1]! };
}

export interface ClassCount {
  label: string;
  count: number;
  share: number;
}

export function classBalance(labels: readonly string[]): ClassCount[] {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([label, count]) => ({ label, count, share: count / labels.length }));
}
