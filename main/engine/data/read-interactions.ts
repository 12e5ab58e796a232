import { basename } from 'node:path';
import type { DataWarning } from '../../common/contracts/api.ts';
import { EngineError, clipText, quoteValue, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import {
  CONTROL_CHAR,
  controlCharProblem,
  futureLimit,
  type FutureTimes,
  type InteractionColumns,
  interactionColumns,
  parseRating,
  parseTimestamp,
  ratingProblem,
  timestampProblem,
} from './columns.ts';
import { detectLayout } from './layout.ts';
import { openRecords, type RecordReader } from './records.ts';
import { scanDelimitedEvents } from './scan-interactions.ts';
import type { InteractionTable } from './types.ts';

/** An imported interaction log: one event per (user, item), ordered by user then item. */
export interface ParsedInteractions extends InteractionTable {
  layout: string;
  columns: string[];
  rowsRead: number;
  duplicatesDropped: number;
  /** events dropped because their item is not in the catalog */
  unknownItems: number;
  unknownExamples: string[];
  /** implausible but valid values (timestamps in the future), each with its first line and column */
  warnings: DataWarning[];
}

export interface ReadInteractionsOptions {
  map?: Record<string, string>;
  /** catalog item ids, in catalog order: they take the first item indices and unknown items are dropped */
  catalogIds?: string[];
}

const PROGRESS_MS = 200;

export async function readInteractions(path: string, opts: ReadInteractionsOptions, ctx: TaskContext): Promise<ParsedInteractions> {
  const { events, layout, columns, warnings } = await readRawEvents(path, opts, ctx);
  const { user, item, ts, rating } = latestPerUserItem(events);
  return {
    userIds: events.userIds,
    itemIds: events.itemIds,
    user,
    item,
    rating,
    ts,
    layout,
    columns,
    rowsRead: events.n + events.unknownItems,
    duplicatesDropped: events.n - user.length,
    unknownItems: events.unknownItems,
    unknownExamples: events.unknownExamples,
    warnings,
  };
}

/** Every event of the file in file order, before repeated (user, item) pairs are collapsed; refuses a file with none to import. */
export async function readRawEvents(
  path: string,
  opts: ReadInteractionsOptions,
  ctx: TaskContext,
): Promise<{ events: RawEvents; layout: string; columns: string[]; warnings: DataWarning[] }> {
  const layout = await detectLayout(path);
  const reader = await openRecords(path, layout);
  let events: RawEvents;
  let cols: InteractionColumns;
  try {
    cols = interactionColumns(path, reader.columns, opts.map);
    const fast = layout.kind === 'delimited' ? await scanDelimitedEvents(path, layout, cols, opts.catalogIds, ctx) : null;
    events = fast ?? (await collectEvents(path, reader, cols, opts.catalogIds, ctx));
  } finally {
    await reader.close();
  }
  refuseEmptyLog(path, events.n, { count: events.unknownItems, examples: events.unknownExamples });
  const warnings = events.future
    ? [futureWarning(path, layout.kind === 'parquet' ? 'row' : 'line', clipText(reader.columns[cols.ts] ?? `#${cols.ts + 1}`), events.future)]
    : [];
  return { events, layout: layout.name, columns: reader.columns, warnings };
}

/** The errors for a log with nothing left to import. */
export function refuseEmptyLog(path: string, n: number, unknown: { count: number; examples: string[] }): void {
  if (n === 0 && unknown.count > 0)
    throw new EngineError(
      'invalid-input',
      `${basename(path)}: none of the ${unknown.count} interactions refer to an item of the catalog (e.g. ${unknown.examples.join(', ')}); ` +
        'check that both files use the same item ids, or map the id columns with --map item=<column> id=<catalog column>',
      { file: path, unknownItems: unknown.count, examples: unknown.examples },
    );
  if (n === 0)
    throw new EngineError('invalid-input', `${basename(path)}: the file has a header but no interactions`, { file: path, hint: 'export the data again' });
}

export function futureWarning(path: string, where: 'line' | 'row', column: string, future: FutureTimes): DataWarning {
  const when = new Date(future.seconds * 1e3).toISOString();
  const more = future.count > 1 ? ` (and ${future.count - 1} more event${future.count > 2 ? 's' : ''})` : '';
  return {
    message: `${basename(path)} ${where} ${future.line}, column "${column}": timestamp ${quoteValue(future.text)} is in the future (${when})${more}; check the unit or the export`,
    file: path,
    line: future.line,
    column,
    count: future.count,
  };
}

export interface RawEvents {
  n: number;
  userIds: string[];
  itemIds: string[];
  user: Int32Array;
  item: Int32Array;
  ts: Float64Array;
  rating: Float32Array | null;
  unknownItems: number;
  unknownExamples: string[];
  future: FutureTimes | null;
}

function grow<T extends Int32Array | Float32Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

async function collectEvents(
  path: string,
  reader: RecordReader,
  cols: InteractionColumns,
  catalogIds: string[] | undefined,
  ctx: TaskContext,
): Promise<RawEvents> {
  const file = basename(path);
  const where = reader.position === 'line' ? 'line' : 'row';
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const userIds: string[] = [];
  const itemIds: string[] = catalogIds ? [...catalogIds] : [];
  itemIds.forEach((id, k) => items.set(id, k));
  const closed = catalogIds !== undefined;
  let cap = 1 << 16;
  let user = new Int32Array(cap);
  let item = new Int32Array(cap);
  let ts = new Float64Array(cap);
  let rating = cols.rating !== null ? new Float32Array(cap) : null;
  let n = 0;
  let unknownItems = 0;
  const unknownExamples: string[] = [];
  let lastProgress = 0;
  const bad = (line: number, column: string, what: string, hint: string) =>
    new EngineError('invalid-input', `${file} ${where} ${line}, column "${column}": ${what}; ${hint}`, { file: path, line, column, hint });
  const { user: cu, item: ci, ts: ct } = cols;
  const cr = cols.rating;
  const colName = (c: number) => clipText(reader.columns[c] ?? `#${c + 1}`);
  const needed = Math.max(cu, ci, ct, cr ?? -1);
  const future = futureLimit();
  let futures: FutureTimes | null = null;

  for await (const batch of reader.batches) {
    throwIfCancelled(ctx.signal);
    if (n + batch.rows.length > cap) {
      cap = Math.max(cap * 2, n + batch.rows.length);
      user = grow(user, cap);
      item = grow(item, cap);
      ts = grow(ts, cap);
      if (rating) rating = grow(rating, cap);
    }
    const { rows, lines } = batch;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length <= needed)
        throw new EngineError(
          'invalid-input',
          `${file} ${where} ${lines[r]}: the row has ${row.length} field${row.length === 1 ? '' : 's'}, expected ${reader.columns.length}; fix or remove the row`,
          {
            file: path,
            line: lines[r],
            fields: row.length,
            expected: reader.columns.length,
            hint: 'fix or remove the row',
          },
        );
      const u = row[cu]!;
      const i = row[ci]!;
      const t = row[ct]!;
      if (!u) throw bad(lines[r]!, colName(cu), 'the user id is empty', 'fix or remove the row');
      if (!i) throw bad(lines[r]!, colName(ci), 'the item id is empty', 'fix or remove the row');
      let ii = items.get(i);
      if (ii === undefined) {
        if (CONTROL_CHAR.test(i))
          throw bad(
            lines[r]!,
            colName(ci),
            controlCharProblem('item', i),
            'remove the control characters or the row (was the file damaged or a binary column exported?)',
          );
        if (closed) {
          unknownItems++;
          if (unknownExamples.length < 5 && !unknownExamples.includes(clipText(i))) unknownExamples.push(clipText(i));
          continue;
        }
        ii = itemIds.length;
        items.set(i, ii);
        itemIds.push(i);
      }
      let ui = users.get(u);
      if (ui === undefined) {
        if (CONTROL_CHAR.test(u))
          throw bad(
            lines[r]!,
            colName(cu),
            controlCharProblem('user', u),
            'remove the control characters or the row (was the file damaged or a binary column exported?)',
          );
        ui = userIds.length;
        users.set(u, ui);
        userIds.push(u);
      }
      const seconds = parseTimestamp(t);
      if (Number.isNaN(seconds))
        throw bad(lines[r]!, colName(ct), timestampProblem(t), 'use epoch seconds/milliseconds or an ISO date such as 2024-05-01T12:00:00Z');
      if (seconds > future) {
        futures ??= { count: 0, line: lines[r]!, text: t, seconds };
        futures.count++;
      }
      if (rating) {
        const value = parseRating(row[cr!]!);
        if (Number.isNaN(value))
          throw bad(lines[r]!, colName(cr!), ratingProblem(row[cr!]!), 'ratings must be numbers; fix the row or map another column with --map rating=<column>');
        rating[n] = value;
      }
      user[n] = ui;
      item[n] = ii;
      ts[n] = seconds;
      n++;
    }
    const now = Date.now();
    if (now - lastProgress >= PROGRESS_MS) {
      lastProgress = now;
      const share = reader.done();
      const seen = n + unknownItems;
      ctx.progress({ stage: 'import', current: seen, total: share > 0 ? Math.max(seen, Math.round(seen / share)) : seen, unit: 'rows' });
    }
  }
  return { n, userIds, itemIds, user, item, ts, rating, unknownItems, unknownExamples, future: futures };
}

interface EventColumns {
  user: Int32Array;
  item: Int32Array;
  ts: Float64Array;
  rating: Float32Array | null;
}

/**
 * The events to keep, one per (user, item): the latest, and of equal times the one later in the
 * file; ordered by user, then item. A stable LSD radix sort on (user, item) with 11-bit digits
 * moves the columns themselves between two buffers, so each pass reads sequentially and writes
 * to at most 2048 places: O(n) per pass, few passes.
 * Consumes `ev`: its columns become the sort's buffers.
 */
export function latestPerUserItem(ev: RawEvents): EventColumns {
  const n = ev.n;
  let from: EventColumns = { user: ev.user.subarray(0, n), item: ev.item.subarray(0, n), ts: ev.ts.subarray(0, n), rating: ev.rating?.subarray(0, n) ?? null };
  ev.user = ev.item = new Int32Array(0);
  ev.ts = new Float64Array(0);
  if (ev.rating) ev.rating = new Float32Array(0);
  // the raw views and one more buffer take turns as source and target
  let to = allocate(n, from.rating !== null);
  for (const [column, count] of [
    ['item', ev.itemIds.length],
    ['user', ev.userIds.length],
  ] as const) {
    for (let shift = 0; shift < 32 && (count - 1) >>> shift > 0; shift += DIGIT_BITS) {
      radixPass(from, to, column, shift);
      [from, to] = [to, from];
    }
  }
  const { user, item, ts, rating } = from;
  let out = 0;
  for (let k = 0; k < n;) {
    const u = user[k]!;
    const i = item[k]!;
    let best = k;
    for (k++; k < n && user[k] === u && item[k] === i; k++) if (ts[k]! >= ts[best]!) best = k;
    user[out] = u;
    item[out] = i;
    ts[out] = ts[best]!;
    if (rating) rating[out] = rating[best]!;
    out++;
  }
  return { user: user.subarray(0, out), item: item.subarray(0, out), ts: ts.subarray(0, out), rating: rating ? rating.subarray(0, out) : null };
}

const DIGIT_BITS = 11;

function allocate(n: number, withRating: boolean): EventColumns {
  return { user: new Int32Array(n), item: new Int32Array(n), ts: new Float64Array(n), rating: withRating ? new Float32Array(n) : null };
}

/** One stable counting-sort pass of the columns by the digit of `column` at `shift`. */
function radixPass(from: EventColumns, to: EventColumns, column: 'user' | 'item', shift: number): void {
  const keys = from[column];
  const n = keys.length;
  const fill = new Int32Array((1 << DIGIT_BITS) + 1);
  const mask = (1 << DIGIT_BITS) - 1;
  for (let k = 0; k < n; k++) fill[((keys[k]! >>> shift) & mask) + 1]!++;
  for (let b = 0; b < mask + 1; b++) fill[b + 1]! += fill[b]!;
  const { user, item, ts, rating } = from;
  for (let k = 0; k < n; k++) {
    const p = fill[(keys[k]! >>> shift) & mask]!++;
    to.user[p] = user[k]!;
    to.item[p] = item[k]!;
    to.ts[p] = ts[k]!;
    if (rating) to.rating![p] = rating[k]!;
  }
}
