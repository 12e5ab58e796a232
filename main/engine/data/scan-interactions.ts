import { stat } from 'node:fs/promises';
import { clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { ByteIdTable, hashBytes } from './byte-ids.ts';
import { CONTROL_CHAR, epochSeconds, futureLimit, parseRating, parseTimestamp, type FutureTimes, type InteractionColumns } from './columns.ts';
import { utf8Bytes } from './decode.ts';
import type { DelimitedLayout } from './layout.ts';
import type { RawEvents } from './read-interactions.ts';
import { MAX_RECORD_BYTES } from './records.ts';

const QUOTE = 0x22;
const PROGRESS_MS = 200;

/**
 * The fast path for delimited interaction logs: works on the file's bytes, looks ids up without
 * making strings and parses plain numbers in place. It handles only clean files (fields bare or
 * simply quoted); on anything unusual (an escaped or embedded quote, a short row, an empty id, an
 * id with a control character, a value it cannot read) it returns null and the general reader, which owns every error message,
 * reads the file instead.
 */
export async function scanDelimitedEvents(
  path: string,
  layout: DelimitedLayout,
  cols: InteractionColumns,
  catalogIds: string[] | undefined,
  ctx: TaskContext,
): Promise<RawEvents | null> {
  if (layout.reshape) return null;
  const fileBytes = (await stat(path)).size;
  const delimiter = Buffer.from(layout.delimiter, 'utf8');
  const d0 = delimiter[0]!;
  const dLen = delimiter.length;
  const { user: cu, item: ci, ts: ct } = cols;
  const cr = cols.rating ?? -1;
  const last = Math.max(cu, ci, ct, cr);
  const starts = new Int32Array(last + 1);
  const ends = new Int32Array(last + 1);
  const users = new ByteIdTable();
  const items = new ByteIdTable(catalogIds ?? []);
  const closed = catalogIds !== undefined;
  let cap = 1 << 16;
  let user = new Int32Array(cap);
  let item = new Int32Array(cap);
  let ts = new Float64Array(cap);
  let rating = cr >= 0 ? new Float32Array(cap) : null;
  let n = 0;
  let unknownItems = 0;
  const unknownExamples: string[] = [];
  let header = layout.columns === null;
  /** whether the current chunk has quotes at all: without, no field needs checking for them */
  let quotes = false;
  let read = 0;
  let lastProgress = 0;
  /** 1-based line of the current record (header and blank lines counted) */
  let lineNo = 0;
  const future = futureLimit();
  let futures: FutureTimes | null = null;

  const reserve = (rows: number) => {
    if (rows <= cap) return;
    cap = rows;
    user = grow(user, cap);
    item = grow(item, cap);
    ts = grow(ts, cap);
    if (rating) rating = grow(rating, cap);
  };

  /** false when the line needs the general reader */
  const line = (buf: Buffer, start: number, end: number): boolean => {
    lineNo++;
    if (end > start && buf[end - 1] === 0x0d) end--;
    if (end === start) return true;
    if (header) {
      header = false;
      return !quotes || countByte(buf, QUOTE, start, end) % 2 === 0;
    }
    let j = start;
    for (let field = 0; field <= last; field++) {
      if (j > end) return false;
      // a field is bare, or wholly quoted without quotes inside ("a,b" but not "a""b")
      let stop = j;
      if (quotes && buf[j] === QUOTE) {
        const close = buf.indexOf(QUOTE, j + 1);
        if (close < 0 || close >= end) return false;
        starts[field] = j + 1;
        ends[field] = close;
        stop = close + 1;
        if (stop < end && !delimiterAt(buf, stop, delimiter)) return false;
      } else {
        for (; stop < end && !(buf[stop] === d0 && delimiterAt(buf, stop, delimiter)); stop++) if (quotes && buf[stop] === QUOTE) return false;
        starts[field] = j;
        ends[field] = stop;
      }
      j = stop + dLen;
    }
    // the fields after the last one used may not quote (a quoted line break would split the record)
    if (quotes) for (let k = j; k < end; k++) if (buf[k] === QUOTE) return false;
    const us = starts[cu]!;
    const ue = ends[cu]!;
    const is = starts[ci]!;
    const ie = ends[ci]!;
    if (us === ue || is === ie) return false;
    let ii: number;
    if (closed) {
      ii = items.find(buf, is, ie, hashBytes(buf, is, ie));
      if (ii < 0) {
        unknownItems++;
        const id = buf.toString('utf8', is, ie);
        if (unknownExamples.length < 5 && !unknownExamples.includes(clipText(id))) unknownExamples.push(clipText(id));
        return true;
      }
    } else ii = items.intern(buf, is, ie, hashBytes(buf, is, ie));
    let t = plainNumber(buf, starts[ct]!, ends[ct]!);
    t = Number.isNaN(t) ? parseTimestamp(buf.toString('utf8', starts[ct]!, ends[ct]!)) : epochSeconds(t);
    if (Number.isNaN(t)) return false;
    if (t > future) {
      futures ??= { count: 0, line: lineNo, text: buf.toString('utf8', starts[ct]!, ends[ct]!), seconds: t };
      futures.count++;
    }
    if (rating) {
      let r = plainNumber(buf, starts[cr]!, ends[cr]!);
      if (Number.isNaN(r)) r = parseRating(buf.toString('utf8', starts[cr]!, ends[cr]!));
      if (Number.isNaN(r)) return false;
      rating[n] = r;
    }
    if (n === cap) reserve(cap * 2);
    user[n] = users.intern(buf, us, ue, hashBytes(buf, us, ue));
    item[n] = ii;
    ts[n] = t;
    n++;
    return true;
  };

  const stream = utf8Bytes(path, layout.encoding);
  let carry: Buffer | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfCancelled(ctx.signal);
      read += chunk.length;
      quotes = layout.quote && (chunk.includes(QUOTE) || (carry !== null && carry.includes(QUOTE)));
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      if (read === chunk.length) reserve(estimateRows(chunk, fileBytes));
      let start = 0;
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        if (!line(buf, start, nl)) return null;
        start = nl + 1;
      }
      carry = start < buf.length ? buf.subarray(start) : null;
      if (carry && carry.length > MAX_RECORD_BYTES) return null;
      const now = Date.now();
      if (now - lastProgress >= PROGRESS_MS) {
        lastProgress = now;
        const seen = n + unknownItems;
        ctx.progress({ stage: 'import', current: seen, total: Math.max(seen, Math.round((seen * fileBytes) / read)), unit: 'rows' });
      }
    }
    if (carry && !line(carry, 0, carry.length)) return null;
  } finally {
    stream.destroy();
  }
  // checked once per distinct id, not per row; the general reader names the line
  const newItems = items.ids.slice(catalogIds?.length ?? 0);
  if (users.ids.some((id) => CONTROL_CHAR.test(id)) || newItems.some((id) => CONTROL_CHAR.test(id))) return null;
  return { n, userIds: users.ids, itemIds: items.ids, user, item, ts, rating, unknownItems, unknownExamples, future: futures };
}

/** Rows the file probably holds, from the line length in its first chunk (a little over, to avoid regrowing). */
function estimateRows(first: Buffer, fileBytes: number): number {
  let lines = 0;
  for (let at = first.indexOf(0x0a); at >= 0; at = first.indexOf(0x0a, at + 1)) lines++;
  return lines ? Math.ceil(((fileBytes / first.length) * lines + 1) * 1.02) : 0;
}

function delimiterAt(buf: Buffer, at: number, delimiter: Buffer): boolean {
  for (let k = 0; k < delimiter.length; k++) if (buf[at + k] !== delimiter[k]) return false;
  return true;
}

function countByte(buf: Buffer, byte: number, start: number, end: number): number {
  let n = 0;
  for (let at = buf.indexOf(byte, start); at >= 0 && at < end; at = buf.indexOf(byte, at + 1)) n++;
  return n;
}

/** A plain decimal (optional minus, digits, optional fraction; at most 15 digits) read in place; NaN for anything else. */
function plainNumber(buf: Buffer, start: number, end: number): number {
  let j = start;
  const negative = buf[j] === 0x2d;
  if (negative) j++;
  let value = 0;
  let digits = 0;
  let scale = 1;
  let fraction = false;
  for (; j < end; j++) {
    const c = buf[j]!;
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (fraction) scale *= 10;
    } else if (c === 0x2e && !fraction) fraction = true;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const v = value / scale;
  return negative ? -v : v;
}

function grow<T extends Int32Array | Float32Array | Float64Array>(a: T, need: number): T {
  const next = new (a.constructor as new (n: number) => T)(need);
  next.set(a);
  return next;
}
