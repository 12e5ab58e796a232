import { basename } from 'node:path';
import { EngineError, clipText, quoteValue } from '../../common/contracts/errors.ts';

/** Canonical interaction fields and the source column names recognised for each (compared without case, `_`, `-` or spaces). */
const INTERACTION_NAMES = {
  user: [
    'userid',
    'user',
    'users',
    'uid',
    'customerid',
    'customer',
    'clientid',
    'client',
    'visitorid',
    'visitor',
    'memberid',
    'accountid',
    'reviewerid',
    'personid',
  ],
  item: [
    'itemid',
    'item',
    'items',
    'iid',
    'movieid',
    'movie',
    'productid',
    'product',
    'sku',
    'asin',
    'articleid',
    'article',
    'contentid',
    'trackid',
    'bookid',
    'isbn',
    'videoid',
    'songid',
    'docid',
  ],
  rating: ['rating', 'ratings', 'score', 'value', 'stars', 'rate', 'preference'],
  ts: ['timestamp', 'ts', 'time', 'date', 'datetime', 'eventtime', 'eventdate', 'createdat', 'unixtime', 'unixreviewtime', 'epoch'],
} as const;

const CATALOG_ID_NAMES = [
  'itemid',
  'item',
  'id',
  'movieid',
  'productid',
  'sku',
  'asin',
  'articleid',
  'contentid',
  'trackid',
  'bookid',
  'isbn',
  'videoid',
  'songid',
  'docid',
];
const CATALOG_TITLE_NAMES = ['title', 'name', 'itemname', 'productname', 'movietitle', 'headline'];

type InteractionField = keyof typeof INTERACTION_NAMES;
/** Keys a mapping may use: the interaction fields, and `id` / `title` for a catalog. */
export const MAP_KEYS = ['user', 'item', 'rating', 'ts', 'id', 'title'] as const;

export interface InteractionColumns {
  user: number;
  item: number;
  rating: number | null;
  ts: number;
}

export interface CatalogColumns {
  /** null: the row number serves as the id */
  id: number | null;
  title: number | null;
}

/** Column names for a message: at most 30, each clipped, so a huge or very wide header stays readable. */
export function columnList(columns: readonly string[]): string {
  const shown = columns.slice(0, 30).map((c) => clipText(c));
  return columns.length > 30 ? `${shown.join(', ')}, … (${columns.length} columns)` : shown.join(', ');
}

const normalise = (name: string) => name.toLowerCase().replace(/[\s_\-.]/g, '');

export function checkMapping(map: Record<string, string> | undefined): void {
  for (const key of Object.keys(map ?? {}))
    if (!(MAP_KEYS as readonly string[]).includes(key))
      throw new EngineError('invalid-input', `mapping key "${key}" is not known; use ${MAP_KEYS.join(', ')} (e.g. --map user=customer)`, {
        field: key,
      });
}

function mapped(path: string, columns: string[], key: string, map: Record<string, string> | undefined): number | undefined {
  const name = map?.[key];
  if (name === undefined) return undefined;
  const at = columns.indexOf(name);
  if (at < 0)
    throw new EngineError(
      'invalid-input',
      `${basename(path)}: mapped column "${clipText(name)}" (for ${key}) is not in the header; columns found: ${columnList(columns)}`,
      {
        file: path,
        line: 1,
        column: clipText(name),
      },
    );
  return at;
}

function detect(columns: string[], names: readonly string[]): number | null {
  const norm = columns.map(normalise);
  for (const name of names) {
    const at = norm.indexOf(name);
    if (at >= 0) return at;
  }
  return null;
}

/** The column the importer would read an interaction field from without a mapping, or null. */
export function detectInteractionField(columns: string[], field: InteractionField): number | null {
  return detect(columns, INTERACTION_NAMES[field]);
}

export function interactionColumns(path: string, columns: string[], map?: Record<string, string>): InteractionColumns {
  const found: Partial<Record<InteractionField, number | null>> = {};
  for (const field of Object.keys(INTERACTION_NAMES) as InteractionField[])
    found[field] = mapped(path, columns, field, map) ?? detect(columns, INTERACTION_NAMES[field]);
  const missing = (['user', 'item', 'ts'] as const).filter((f) => found[f] == null);
  if (missing.length) {
    const suggestion = missing.map((f) => `${f}=<column>`).join(' ');
    const headerless = columns.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
    throw new EngineError(
      'invalid-input',
      `${basename(path)}: no column for ${missing.join(', ')}; columns found: ${columnList(columns)}` +
        (headerless ? '. The first line holds values, not column names: add a header line such as user_id,item_id,rating,timestamp.' : ''),
      // the advice in the interface's own words is the host's: the CLI prints this hint, the app asks in its column preview
      {
        file: path,
        line: 1,
        field: missing[0],
        missing,
        columns: columns.slice(0, 30).map((c) => clipText(c)),
        ...(headerless ? {} : { hint: `--map ${suggestion}` }),
      },
    );
  }
  const fields = Object.keys(found) as InteractionField[];
  for (const [k, a] of fields.entries())
    for (const b of fields.slice(k + 1))
      if (found[a] != null && found[a] === found[b]) {
        const column = clipText(columns[found[a]]!);
        throw new EngineError('invalid-input', `${basename(path)}: ${a} and ${b} would both be read from column "${column}"; each field needs its own column`, {
          file: path,
          line: 1,
          column,
          hint: `map ${a} and ${b} to different columns, e.g. --map ${a}=<column>,${b}=<column>`,
        });
      }
  return { user: found.user!, item: found.item!, rating: found.rating ?? null, ts: found.ts! };
}

export function catalogColumns(path: string, columns: string[], map?: Record<string, string>): CatalogColumns {
  const id =
    mapped(path, columns, 'id', map) ?? (map?.item !== undefined && columns.includes(map.item) ? columns.indexOf(map.item) : detect(columns, CATALOG_ID_NAMES));
  const title = mapped(path, columns, 'title', map) ?? detect(columns, CATALOG_TITLE_NAMES);
  return { id, title };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
/** A plain decimal number, optionally with an exponent: no hex, no Infinity, no blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** Timestamps must fall in the years 0001–9999 (what ISO dates and every date type can hold). */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

/**
 * Seconds since the epoch from epoch seconds, milliseconds or microseconds (told apart by
 * magnitude) or an ISO date; dates without a zone are UTC. NaN when unparsable, not a real
 * calendar date (2023-02-30) or outside the years 0001–9999; `timestampProblem` says which.
 */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  if (DECIMAL.test(trimmed)) return inRange(epochSeconds(Number(trimmed)));
  const m = ISO_DATE.exec(trimmed);
  if (!m || !realDate(m)) return NaN;
  const zone = m[8] ? (m[8].toUpperCase() === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8]) : 'Z';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ? `.${m[7].slice(0, 3)}` : ''}${zone}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? inRange(ms / 1e3) : NaN;
}

const inRange = (seconds: number) => (seconds >= MIN_SECONDS && seconds <= MAX_SECONDS ? seconds : NaN);

/** Whether the date and time fields exist on the calendar: Date.parse would roll 2023-02-30 over to March 2. */
function realDate(m: RegExpExecArray): boolean {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days && Number(m[4] ?? 0) <= 23 && Number(m[5] ?? 0) <= 59 && Number(m[6] ?? 0) <= 59;
}

/** Why `parseTimestamp` refused a value, for the error message. */
export function timestampProblem(text: string): string {
  const trimmed = text.trim();
  const value = quoteValue(text);
  if (trimmed === '') return 'the timestamp is empty';
  if (DECIMAL.test(trimmed)) return `timestamp ${value} is outside the years 0001–9999 (read as epoch seconds, milliseconds or microseconds by its size)`;
  const m = ISO_DATE.exec(trimmed);
  if (m && !realDate(m)) return `timestamp ${value} is not a real date or time`;
  return `cannot read timestamp ${value}`;
}

/** Epoch seconds from a number in seconds, milliseconds or microseconds (told apart by magnitude). */
export function epochSeconds(n: number): number {
  const abs = Math.abs(n);
  if (abs < 1e11) return n;
  if (abs < 1e14) return n / 1e3;
  return n / 1e6;
}

/** Events later than this are implausible (a wrong unit or a placeholder date): imported, with a warning. */
export const futureLimit = () => Date.now() / 1e3 + 86_400;

/** Timestamps after `futureLimit()`: how many, and the first one. */
export interface FutureTimes {
  count: number;
  line: number;
  text: string;
  seconds: number;
}

/** Largest magnitude a rating may have: ratings are stored as float32. */
export const MAX_RATING = 3.4e38;

/** A rating as a number; NaN for anything but a finite decimal a float32 can hold. */
export function parseRating(text: string): number {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return NaN;
  const n = Number(trimmed);
  return Math.abs(n) <= MAX_RATING ? n : NaN;
}

/** Why `parseRating` refused a value, for the error message. */
export function ratingProblem(text: string): string {
  const value = quoteValue(text);
  if (text.trim() === '') return 'the rating is empty';
  if (DECIMAL.test(text.trim())) return `rating ${value} is too large (ratings are stored as 32-bit floats, at most ±3.4e38)`;
  return `cannot read rating ${value}`;
}

/** A C0 control character or DEL in an id (NUL bytes, stray escapes): such an id is damaged data, never a real id. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/** The problem with an id holding a control character, naming it. */
export function controlCharProblem(role: string, id: string): string {
  const c = CONTROL_CHAR.exec(id)![0].charCodeAt(0);
  const name = c === 0 ? 'NUL' : `0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
  return `the ${role} id ${quoteValue(id)} contains a control character (${name})`;
}
