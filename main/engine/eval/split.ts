import { EngineError } from '../contracts/errors.ts';
import { csrFromCoo } from '../data/csr.ts';
import type { Csr, InteractionTable } from '../data/types.ts';

/**
 * Per-user time split of an interaction log into training events and held-out test items.
 *
 * Order: each user's events are ordered by time; equal timestamps keep the log's row order
 * (a later row counts as later), so the split is deterministic for a given table.
 *
 * Test portion per user with n events:
 *  - `last1`: the last event;
 *  - `lastpct:x` (0 < x < 1): the last max(1, floor(x·n)) events.
 * Users with fewer than `minUserEvents` events keep all their events in training; they are
 * counted in `skippedUsers`, never dropped.
 *
 * Optional global `cutoff` (seconds): the test period starts at the cutoff. Test-position
 * events before it go back to training (they precede the test period); training-position events
 * at or after it are dropped and counted in `droppedAfterCutoff`. So no training event is later
 * than the start of the test period.
 *
 * Test sets hold distinct items that the user has NOT interacted with in training: an item seen
 * in training is removed by the seen-items filter and could never be a hit. Such repeats are
 * counted in `repeatTestItems`; users left with no new test item are counted in
 * `repeatOnlyUsers` and not evaluated.
 *
 * The seen-items filter for evaluation is `trainCsr`, built from the training part only.
 */

export type SplitMethod = { kind: 'last1' } | { kind: 'lastpct'; fraction: number };

export interface SplitOptions {
  /** "last1" or "lastpct:x" with 0 < x < 1 */
  method: string;
  /** test period start, seconds since the epoch */
  cutoff?: number;
  /** users with fewer events stay entirely in training (default 2, at least 2) */
  minUserEvents?: number;
}

/** Training events: the InteractionTable columns, restricted to training rows (log order kept). */
export interface TrainEvents {
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array | null;
  ts: Float64Array;
}

/** Held-out items of the evaluated users, CSR-style: user users[k] has items[indptr[k] .. indptr[k+1]). */
export interface TestSets {
  users: Int32Array;
  indptr: Int32Array;
  items: Int32Array;
  /** per test item: the largest rating among the user's test events on it; null when the log has no ratings */
  ratings: Float32Array | null;
}

export interface Split {
  method: string;
  cutoff: number | null;
  nUsers: number;
  nItems: number;
  train: TrainEvents;
  /** users × items, value = number of training events of the pair; the seen-items filter */
  trainCsr: Csr;
  test: TestSets;
  /** users with fewer than minUserEvents events, kept fully in training */
  skippedUsers: number;
  /** users whose every test item also appears in their training part */
  repeatOnlyUsers: number;
  /** (user, item) test pairs dropped because the user had the item in training */
  repeatTestItems: number;
  /** training-position events at or after the cutoff */
  droppedAfterCutoff: number;
  testEvents: number;
}

export function parseSplitMethod(text: string): SplitMethod {
  if (text === 'last1') return { kind: 'last1' };
  const m = /^lastpct:(.+)$/.exec(text);
  const fraction = m ? Number(m[1]) : NaN;
  if (m && fraction > 0 && fraction < 1) return { kind: 'lastpct', fraction };
  throw new EngineError('invalid-input', `split method "${text}" is not valid: use "last1" or "lastpct:x" with 0 < x < 1 (e.g. "lastpct:0.2")`, {
    field: 'split.method',
    value: text,
  });
}

function testCount(method: SplitMethod, n: number): number {
  if (method.kind === 'last1') return 1;
  return Math.min(n - 1, Math.max(1, Math.floor(method.fraction * n)));
}

/** Row positions grouped by user (ascending user), each user's rows ordered by (ts, row). */
function eventsByUserInTime(table: InteractionTable): { order: Int32Array; offsets: Int32Array } {
  const nUsers = table.userIds.length;
  const { user, ts } = table;
  const offsets = new Int32Array(nUsers + 1);
  for (let k = 0; k < user.length; k++) offsets[user[k]! + 1]!++;
  for (let u = 0; u < nUsers; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, nUsers);
  const order = new Int32Array(user.length);
  for (let k = 0; k < user.length; k++) order[fill[user[k]!]!++] = k;
  const byTime = (a: number, b: number) => ts[a]! - ts[b]! || a - b;
  for (let u = 0; u < nUsers; u++) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    let sorted = true;
    for (let k = start + 1; k < end && sorted; k++) sorted = ts[order[k - 1]!]! <= ts[order[k]!]!;
    if (!sorted) order.subarray(start, end).sort(byTime);
  }
  return { order, offsets };
}

function validate(table: InteractionTable, options: SplitOptions): { method: SplitMethod; minUserEvents: number; cutoff: number | null } {
  const method = parseSplitMethod(options.method);
  const minUserEvents = options.minUserEvents ?? 2;
  if (!Number.isInteger(minUserEvents) || minUserEvents < 2) {
    throw new EngineError('invalid-input', `split.minUserEvents must be an integer >= 2 (one training and one test event), got ${minUserEvents}`, {
      field: 'split.minUserEvents',
      value: minUserEvents,
    });
  }
  const cutoff = options.cutoff ?? null;
  if (cutoff !== null && !Number.isFinite(cutoff)) {
    throw new EngineError('invalid-input', `split.cutoff must be a timestamp in seconds since the epoch, got ${cutoff}`, { field: 'split.cutoff', value: cutoff });
  }
  const n = table.user.length;
  if (table.item.length !== n || table.ts.length !== n || (table.rating && table.rating.length !== n)) {
    throw new EngineError('invalid-input', 'interaction table columns have different lengths', { field: 'interactions' });
  }
  const nUsers = table.userIds.length;
  const nItems = table.itemIds.length;
  for (let k = 0; k < n; k++) {
    const u = table.user[k]!;
    const i = table.item[k]!;
    if (u < 0 || u >= nUsers || i < 0 || i >= nItems || !Number.isFinite(table.ts[k]!)) {
      throw new EngineError('invalid-input', `interaction row ${k}: user index ${u}, item index ${i} or timestamp ${table.ts[k]} is out of range; re-import the log`, {
        field: 'interactions',
        row: k,
      });
    }
  }
  return { method, minUserEvents, cutoff };
}

export function splitInteractions(table: InteractionTable, options: SplitOptions): Split {
  const { method, minUserEvents, cutoff } = validate(table, options);
  const nUsers = table.userIds.length;
  const nItems = table.itemIds.length;
  const { order, offsets } = eventsByUserInTime(table);
  const { ts } = table;

  // 0 = dropped, 1 = train, 2 = test
  const role = new Uint8Array(table.user.length);
  let skippedUsers = 0;
  let droppedAfterCutoff = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    const n = end - start;
    if (n === 0) continue;
    let firstTest = end;
    if (n < minUserEvents) skippedUsers++;
    else firstTest = end - testCount(method, n);
    for (let k = start; k < end; k++) {
      const row = order[k]!;
      const inTestPeriod = cutoff === null || ts[row]! >= cutoff;
      if (k >= firstTest && inTestPeriod) role[row] = 2;
      else if (cutoff === null || !inTestPeriod) role[row] = 1;
      else droppedAfterCutoff++;
    }
  }

  const train = takeRows(table, role, 1);
  const trainCsr = csrFromCoo(nUsers, nItems, train.user, train.item, null);
  const { test, repeatTestItems, repeatOnlyUsers, testEvents } = collectTestSets(table, order, offsets, role, trainCsr);
  return {
    method: options.method,
    cutoff,
    nUsers,
    nItems,
    train,
    trainCsr,
    test,
    skippedUsers,
    repeatOnlyUsers,
    repeatTestItems,
    droppedAfterCutoff,
    testEvents,
  };
}

/** The rows whose role is `want`, in log order. */
function takeRows(t: InteractionTable, roles: Uint8Array, want: number): TrainEvents {
  let count = 0;
  for (let k = 0; k < roles.length; k++) if (roles[k] === want) count++;
  const out: TrainEvents = {
    user: new Int32Array(count),
    item: new Int32Array(count),
    rating: t.rating ? new Float32Array(count) : null,
    ts: new Float64Array(count),
  };
  let j = 0;
  for (let k = 0; k < roles.length; k++) {
    if (roles[k] !== want) continue;
    out.user[j] = t.user[k]!;
    out.item[j] = t.item[k]!;
    out.ts[j] = t.ts[k]!;
    if (out.rating) out.rating[j] = t.rating![k]!;
    j++;
  }
  return out;
}

function collectTestSets(
  table: InteractionTable,
  order: Int32Array,
  offsets: Int32Array,
  role: Uint8Array,
  trainCsr: Csr,
): { test: TestSets; repeatTestItems: number; repeatOnlyUsers: number; testEvents: number } {
  const nUsers = table.userIds.length;
  // trainStamp[i] === u + 1: user u has item i in training; testStamp[i] === u + 1: already handled in u's test events
  const trainStamp = new Int32Array(table.itemIds.length);
  const testStamp = new Int32Array(table.itemIds.length);
  const users: number[] = [];
  const indptr: number[] = [0];
  const items: number[] = [];
  const ratings: number[] = [];
  // position in `items` of item i for the current user, valid when testStamp[i] === u + 1 and not a repeat
  const slotOf = new Int32Array(table.itemIds.length);
  let repeatTestItems = 0;
  let repeatOnlyUsers = 0;
  let testEvents = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    let hasTest = false;
    for (let k = start; k < end; k++) hasTest ||= role[order[k]!] === 2;
    if (!hasTest) continue;
    for (let p = trainCsr.indptr[u]!; p < trainCsr.indptr[u + 1]!; p++) trainStamp[trainCsr.indices[p]!] = u + 1;
    const before = items.length;
    for (let k = start; k < end; k++) {
      const row = order[k]!;
      if (role[row] !== 2) continue;
      testEvents++;
      const i = table.item[row]!;
      const rating = table.rating ? table.rating[row]! : 0;
      if (testStamp[i] === u + 1) {
        if (trainStamp[i] !== u + 1) ratings[slotOf[i]!] = Math.max(ratings[slotOf[i]!]!, rating);
        continue;
      }
      testStamp[i] = u + 1;
      if (trainStamp[i] === u + 1) {
        repeatTestItems++;
        continue;
      }
      slotOf[i] = items.length;
      items.push(i);
      ratings.push(rating);
    }
    if (items.length === before) {
      repeatOnlyUsers++;
      continue;
    }
    users.push(u);
    indptr.push(items.length);
  }
  const test: TestSets = {
    users: Int32Array.from(users),
    indptr: Int32Array.from(indptr),
    items: Int32Array.from(items),
    ratings: table.rating ? Float32Array.from(ratings) : null,
  };
  return { test, repeatTestItems, repeatOnlyUsers, testEvents };
}
