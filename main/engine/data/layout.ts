import { isUtf8 } from 'node:buffer';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { looksBinary, notTextError, type TextEncoding } from './decode.ts';
import { MAX_RECORD_BYTES, tooLong } from './records.ts';
import { checkRegularFile } from './input-file.ts';

/** How a source file is read: delimited text, JSON lines or Parquet. */
export type FileLayout = DelimitedLayout | { kind: 'jsonl'; name: string } | { kind: 'parquet'; name: string };

export interface DelimitedLayout {
  kind: 'delimited';
  /** e.g. "csv (;)" or "MovieLens u.item" */
  name: string;
  delimiter: string;
  /** false for formats that never quote (MovieLens), so a stray quote stays text */
  quote: boolean;
  encoding: TextEncoding;
  /** column names of a headerless format; null when the first row is the header */
  columns: string[] | null;
  /** rewrites a raw row into `columns` (MovieLens genre flags → one genres field) */
  reshape?: (values: string[]) => string[];
}

const SAMPLE_BYTES = 64 * 1024;
const DELIMITERS = [',', '\t', ';', '|'];

const ML_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];
const RATING_COLUMNS = ['user_id', 'movie_id', 'rating', 'timestamp'];

/** Detects a file's layout from its name and first bytes. */
export async function detectLayout(path: string): Promise<FileLayout> {
  checkRegularFile(path);
  const size = await fileSize(path);
  const file = basename(path);
  if (size === 0) throw new EngineError('invalid-input', `${file}: the file is empty`, { file: path, hint: 'export the data again' });
  let sample = await readHead(path, SAMPLE_BYTES);
  rejectBinary(path, sample);
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet' || sample.subarray(0, 4).toString('latin1') === 'PAR1') return { kind: 'parquet', name: 'parquet' };
  if (looksBinary(sample)) throw notTextError(path);
  if (sample.length === SAMPLE_BYTES && !sample.includes(0x0a)) sample = await firstLine(path);
  const text = sample.toString('utf8').replace(/^\uFEFF/, '');
  if (['.jsonl', '.ndjson', '.json'].includes(ext) || /^\s*\{/.test(text)) return { kind: 'jsonl', name: 'jsonl' };
  const lines = completeLines(text, sample.length < SAMPLE_BYTES);
  if (lines.length === 0 || lines.every((l) => l.trim() === ''))
    throw new EngineError('invalid-input', `${file}: the file has no rows`, { file: path, hint: 'export the data again' });
  return (await movieLensLayout(path, file, lines)) ?? delimitedLayout(lines);
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    throw new EngineError('invalid-input', `${path}: file not found`, { file: path, hint: 'check the path' });
  }
}

/** The first line of a file whose sample holds no line break: a long header, or not line-oriented text at all. */
async function firstLine(path: string): Promise<Buffer> {
  const head = await readHead(path, MAX_RECORD_BYTES + 1);
  const end = head.indexOf(0x0a);
  if (end < 0) {
    if (head.length <= MAX_RECORD_BYTES) return head;
    throw tooLong(path, 1);
  }
  return head.subarray(0, end + 1);
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function rejectBinary(path: string, head: Buffer): void {
  const file = basename(path);
  const fail = (what: string, hint: string) => {
    throw new EngineError('invalid-input', `${file}: ${what}; ${hint}`, { file: path, hint });
  };
  if (head[0] === 0x1f && head[1] === 0x8b) fail('the file is gzip-compressed', 'decompress it (gunzip) and import the result');
  if (head[0] === 0x50 && head[1] === 0x4b) fail('the file is a ZIP archive (or an Excel workbook)', 'extract it, or save the sheet as CSV');
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    fail('the file is UTF-16 encoded', 'save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)');
}

/** Lines of the sample, without a last line that the sample cut off. */
function completeLines(text: string, wholeFile: boolean): string[] {
  const lines = text.split(/\r?\n/);
  if (!wholeFile || lines[lines.length - 1] === '') lines.pop();
  return lines.slice(0, 50);
}

async function movieLensLayout(path: string, file: string, lines: string[]): Promise<DelimitedLayout | null> {
  const first = lines[0]!;
  const lower = file.toLowerCase();
  if (first.includes('::')) {
    const fields = first.split('::').length;
    if (fields === 4 && /^\d+::\d+::[\d.]+::\d+$/.test(first))
      return { kind: 'delimited', name: 'MovieLens ratings.dat', delimiter: '::', quote: false, encoding: 'utf-8', columns: RATING_COLUMNS };
    if (fields === 3 && /^\d+::/.test(first))
      return {
        kind: 'delimited',
        name: 'MovieLens movies.dat',
        delimiter: '::',
        quote: false,
        encoding: await utf8OrLatin1(path),
        columns: ['movie_id', 'title', 'genres'],
      };
  }
  if (/^\d+\t\d+\t[\d.]+\t\d+$/.test(first) && (lower.startsWith('u') || lower.endsWith('.data')))
    return { kind: 'delimited', name: 'MovieLens u.data', delimiter: '\t', quote: false, encoding: 'utf-8', columns: RATING_COLUMNS };
  if (first.split('|').length === 5 + ML_GENRES.length && /^\d+\|/.test(first))
    return {
      kind: 'delimited',
      name: 'MovieLens u.item',
      delimiter: '|',
      quote: false,
      encoding: await utf8OrLatin1(path),
      columns: ['movie_id', 'title', 'release_date', 'video_release_date', 'imdb_url', 'genres'],
      reshape: (v) => [...v.slice(0, 5), ML_GENRES.filter((_, g) => v[5 + g] === '1').join('|')],
    };
  return null;
}

/** MovieLens item files are Latin-1 in the older releases and UTF-8 in the newer ones. */
async function utf8OrLatin1(path: string): Promise<TextEncoding> {
  return isUtf8(await readFile(path)) ? 'utf-8' : 'latin1';
}

/** Picks the delimiter that splits the sample lines into the same number (> 1) of fields, most fields first. */
function delimitedLayout(lines: string[]): DelimitedLayout {
  let best = { delimiter: ',', fields: 0, consistent: false };
  for (const d of DELIMITERS) {
    const counts = lines.filter((l) => l.trim() !== '').map((l) => countOutsideQuotes(l, d));
    const min = Math.min(...counts);
    const consistent = min > 0 && counts.every((c) => c === counts[0]);
    const better = consistent && !best.consistent ? true : consistent === best.consistent && min > best.fields;
    if (min > 0 && better) best = { delimiter: d, fields: min, consistent };
  }
  const label = best.delimiter === '\t' ? 'tsv' : best.delimiter === ',' ? 'csv' : `csv (${best.delimiter})`;
  return { kind: 'delimited', name: label, delimiter: best.delimiter, quote: true, encoding: 'utf-8', columns: null };
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === delimiter) n++;
  }
  return n;
}
