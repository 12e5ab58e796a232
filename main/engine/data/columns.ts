import { basename } from 'node:path';
import { EngineError } from '../contracts/errors.ts';

/** Canonical interaction fields and the source column names recognised for each (compared without case, `_`, `-` or spaces). */
const INTERACTION_NAMES = {
  user: ['userid', 'user', 'users', 'uid', 'customerid', 'customer', 'clientid', 'client', 'visitorid', 'visitor', 'memberid', 'accountid', 'reviewerid', 'personid'],
  item: ['itemid', 'item', 'items', 'iid', 'movieid', 'movie', 'productid', 'product', 'sku', 'asin', 'articleid', 'article', 'contentid', 'trackid', 'bookid', 'isbn', 'videoid', 'songid', 'docid'],
  rating: ['rating', 'ratings', 'score', 'value', 'stars', 'rate', 'preference'],
  ts: ['timestamp', 'ts', 'time', 'date', 'datetime', 'eventtime', 'eventdate', 'createdat', 'unixtime', 'unixreviewtime', 'epoch'],
} as const;

const CATALOG_ID_NAMES = ['itemid', 'item', 'id', 'movieid', 'productid', 'sku', 'asin', 'articleid', 'contentid', 'trackid', 'bookid', 'isbn', 'videoid', 'songid', 'docid'];
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
    throw new EngineError('invalid-input', `${basename(path)}: mapped column "${name}" (for ${key}) is not in the header; columns found: ${columns.join(', ')}`, {
      file: path,
      line: 1,
      column: name,
      columns,
    });
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
      `${basename(path)}: no column for ${missing.join(', ')}; columns found: ${columns.join(', ')}. ` +
        (headerless
          ? 'The first line holds values, not column names: add a header line such as user_id,item_id,rating,timestamp.'
          : `Name them with --map ${suggestion}.`),
      { file: path, line: 1, missing, columns, hint: `--map ${suggestion}` },
    );
  }
  return { user: found.user!, item: found.item!, rating: found.rating ?? null, ts: found.ts! };
}

export function catalogColumns(path: string, columns: string[], map?: Record<string, string>): CatalogColumns {
  const id = mapped(path, columns, 'id', map) ?? (map?.item !== undefined && columns.includes(map.item) ? columns.indexOf(map.item) : detect(columns, CATALOG_ID_NAMES));
  const title = mapped(path, columns, 'title', map) ?? detect(columns, CATALOG_TITLE_NAMES);
  return { id, title };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Seconds since the epoch from epoch seconds, milliseconds or microseconds (told apart by
 * magnitude) or an ISO date; dates without a zone are UTC. NaN when unparsable.
 */
export function parseTimestamp(text: string): number {
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) return epochSeconds(n);
  const m = ISO_DATE.exec(text.trim());
  if (!m) return NaN;
  const zone = m[8] ? (m[8].toUpperCase() === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8]) : 'Z';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ? `.${m[7].slice(0, 3)}` : ''}${zone}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1e3 : NaN;
}

/** Epoch seconds from a number in seconds, milliseconds or microseconds (told apart by magnitude). */
export function epochSeconds(n: number): number {
  const abs = Math.abs(n);
  if (abs < 1e11) return n;
  if (abs < 1e14) return n / 1e3;
  return n / 1e6;
}

export function parseRating(text: string): number {
  if (text.trim() === '') return NaN;
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}
