import { EngineError } from '../../common/contracts/errors.ts';
import { csrFromCoo } from '../data/csr.ts';
import type { Csr, InteractionTable } from '../data/types.ts';

/**
 * Per-user time split of an interaction log into training events and held-out test items.
 *
 * Order: each user's events are ordered by time. Events with equal timestamps are ordered by the
 * tie rule (`ties`):
 *  - `random` (default): by a hash of (seed, user id, item id) over the external ids, so which of
 *    several same-second events is held out is decided by the run's seed: reproducible, independent
 *    of the log's row order and of the ids' sort order. Events of one user on one item at one
 *    time keep log order (they are the same test item).
 *  - `all`: no event is preferred; the boundary between a user's training and test events never
 *    separates two events with the same timestamp (below).
 *
 * Test portion per user with n events: the events from the boundary position b on, where
 *  - `last1`: b = n − 1 (the last event);
 *  - `lastpct:x` (0 < x < 1): b = n − max(1, floor(x·n)), at most n − 1.
 * Under `all`, when b falls inside a group of equal timestamps, it moves earlier to the start of
 * the group (the whole group is tested: leave-last-timestamp-out for `last1`); when that would
 * leave the user no training event, it moves later to the end of the group (the group trains);
 * when the group also reaches the last event (every event has one timestamp), the user has no
 * earlier history to train on and stays in training like a user with too little history.
 * `tiedBoundaryUsers` counts the users whose boundary fell inside a tie (before moving), under
 * either rule.
 * Users with fewer than `minUserEvents` events keep all their events in training; they are
 * counted in `skippedUsers`, never dropped.
 *
 * Optional global `cutoff` (seconds): the test period starts at the cutoff. Test-position
 * events before it go back to training (they precede the test period); training-position events
 * at or after it are dropped and counted in `droppedAfterCutoff`. So no training event is later
 * than the start of the test period. A cutoff compares timestamps, so it never separates events
 * of one timestamp itself; the tie rule applies to the per-user boundary inside the test period
 * (a tie there counts only when it lies at or after the cutoff).
 *
 * Test sets hold distinct items that the user has NOT interacted with in training: an item seen
 * in training is removed by the seen-items filter and could never be a hit. Such repeats are
 * counted in `repeatTestItems`; users left with no new test item are counted in
 * `repeatOnlyUsers` and not evaluated.
 *
 * The seen-items filter for evaluation is `trainCsr`, built from the training part only.
 */

export type SplitMethod = { kind: 'last1' } | { kind: 'lastpct'; fraction: number };

export const TIE_RULES = ['random', 'all'] as const;
export type TieRule = (typeof TIE_RULES)[number];

export interface SplitOptions {
  /** "last1" or "lastpct:x" with 0 < x < 1 */
  method: string;
  /** test period start, seconds since the epoch */
  cutoff?: number;
  /** users with fewer events stay entirely in training (default 2, at least 2) */
  minUserEvents?: number;
  /** how events with equal timestamps are ordered at the boundary (default random) */
  ties?: TieRule;
  /** seed of the random tie rule (default 0) */
  seed?: number;
}

/** Events of the log restricted to some rows (training, or test-position), log order kept. */
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
  ties: TieRule;
  /** the seed that broke ties; null under ties: all, where no seed is used */
  seed: number | null;
  nUsers: number;
  nItems: number;
  train: TrainEvents;
  /** every test-position event in the test period, log order, before repeats are removed */
  testLog: TrainEvents;
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
  /** users whose boundary fell between events with equal timestamps */
  tiedBoundaryUsers: number;
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

/** A 32-bit hash of an external id under a seed (FNV-1a over UTF-16 code units, murmur3 finaliser). */
function hashId(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let c = 0; c < text.length; c++) h = Math.imul(h ^ text.charCodeAt(c), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per-row tie keys of the random rule: a seeded hash of the (user id, item id) pair. */
function randomTieKeys(table: InteractionTable, seed: number): Uint32Array {
  const userHash = Uint32Array.from(table.userIds, (id) => hashId(id, seed));
  const itemHash = Uint32Array.from(table.itemIds, (id) => hashId(id, seed ^ 0x5bd1e995));
  const keys = new Uint32Array(table.user.length);
  for (let k = 0; k < keys.length; k++) {
    let h = Math.imul(userHash[table.user[k]!]! ^ itemHash[table.item[k]!]!, 0x27d4eb2d);
    h ^= h >>> 15;
    keys[k] = (Math.imul(h, 0x165667b1) ^ (h >>> 13)) >>> 0;
  }
  return keys;
}

/**
 * Row positions grouped by user (ascending user), each user's rows ordered by (ts, tie key, row);
 * without tie keys equal timestamps keep row order.
 */
function eventsByUserInTime(table: InteractionTable, tieKeys: Uint32Array | null): { order: Int32Array; offsets: Int32Array } {
  const nUsers = table.userIds.length;
  const { user, ts } = table;
  const offsets = new Int32Array(nUsers + 1);
  for (let k = 0; k < user.length; k++) offsets[user[k]! + 1]!++;
  for (let u = 0; u < nUsers; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, nUsers);
  const order = new Int32Array(user.length);
  for (let k = 0; k < user.length; k++) order[fill[user[k]!]!++] = k;
  const byTime = tieKeys ? (a: number, b: number) => ts[a]! - ts[b]! || tieKeys[a]! - tieKeys[b]! || a - b : (a: number, b: number) => ts[a]! - ts[b]! || a - b;
  for (let u = 0; u < nUsers; u++) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    let sorted = true;
    // with tie keys, equal timestamps need sorting too
    for (let k = start + 1; k < end && sorted; k++) sorted = tieKeys ? ts[order[k - 1]!]! < ts[order[k]!]! : ts[order[k - 1]!]! <= ts[order[k]!]!;
    if (!sorted) order.subarray(start, end).sort(byTime);
  }
  return { order, offsets };
}

/**
 * Under ties: all, the boundary moved off a tie group: to the group's start, or to its end when the
 * start leaves no training event; `end` (no test event) when the group spans the whole history.
 */
function boundaryOutsideTie(ts: Float64Array, order: Int32Array, start: number, end: number, b: number): number {
  const at = ts[order[b]!]!;
  let first = b;
  while (first > start && ts[order[first - 1]!]! === at) first--;
  if (first > start) return first;
  let last = b;
  while (last < end && ts[order[last]!]! === at) last++;
  return last;
}

function validate(
  table: InteractionTable,
  options: SplitOptions,
): { method: SplitMethod; minUserEvents: number; cutoff: number | null; ties: TieRule; seed: number } {
  const method = parseSplitMethod(options.method);
  const ties = options.ties ?? 'random';
  if (!TIE_RULES.includes(ties)) {
    throw new EngineError('invalid-input', `split.ties must be ${TIE_RULES.join(' or ')}, got ${String(ties)}`, { field: 'split.ties', value: ties });
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new EngineError('invalid-input', `seed must be a non-negative integer, got ${seed}`, { field: 'seed', value: seed });
  const minUserEvents = options.minUserEvents ?? 2;
  if (!Number.isInteger(minUserEvents) || minUserEvents < 2) {
    throw new EngineError('invalid-input', `split.minUserEvents must be an integer >= 2 (one training and one test event), got ${minUserEvents}`, {
      field: 'split.minUserEvents',
      value: minUserEvents,
    });
  }
  const cutoff = options.cutoff ?? null;
  if (cutoff !== null && !Number.isFinite(cutoff)) {
    throw new EngineError('invalid-input', `split.cutoff must be a timestamp in seconds since the epoch, got ${cutoff}`, {
      field: 'split.cutoff',
      value: cutoff,
    });
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
      throw new EngineError(
        'invalid-input',
        `interaction row ${k}: user index ${u}, item index ${i} or timestamp ${table.ts[k]} is out of range; re-import the log`,
        {
          field: 'interactions',
          row: k,
        },
      );
    }
  }
  return { method, minUserEvents, cutoff, ties, seed };
}

export function splitInteractions(table: InteractionTable, options: SplitOptions): Split {
  const { method, minUserEvents, cutoff, ties, seed } = validate(table, options);
  const nUsers = table.userIds.length;
  const nItems = table.itemIds.length;
  const { order, offsets } = eventsByUserInTime(table, ties === 'random' ? randomTieKeys(table, seed) : null);
  const { ts } = table;

  // 0 = dropped, 1 = train, 2 = test
  const role = new Uint8Array(table.user.length);
  let skippedUsers = 0;
  let droppedAfterCutoff = 0;
  let tiedBoundaryUsers = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    const n = end - start;
    if (n === 0) continue;
    let firstTest = end;
    if (n >= minUserEvents) {
      firstTest = end - testCount(method, n);
      const at = ts[order[firstTest]!]!;
      if (ts[order[firstTest - 1]!]! === at) {
        if (cutoff === null || at >= cutoff) tiedBoundaryUsers++;
        if (ties === 'all') firstTest = boundaryOutsideTie(ts, order, start, end, firstTest);
      }
    }
    if (firstTest === end) skippedUsers++;
    for (let k = start; k < end; k++) {
      const row = order[k]!;
      const inTestPeriod = cutoff === null || ts[row]! >= cutoff;
      if (k >= firstTest && inTestPeriod) role[row] = 2;
      else if (cutoff === null || !inTestPeriod) role[row] = 1;
      else droppedAfterCutoff++;
    }
  }

  const train = takeRows(table, role, 1);
  const testLog = takeRows(table, role, 2);
  const trainCsr = csrFromCoo(nUsers, nItems, train.user, train.item, null);
  const { test, repeatTestItems, repeatOnlyUsers, testEvents } = collectTestSets(table, order, offsets, role, trainCsr);
  return {
    method: options.method,
    cutoff,
    ties,
    seed: ties === 'random' ? seed : null,
    nUsers,
    nItems,
    train,
    testLog,
    trainCsr,
    test,
    skippedUsers,
    repeatOnlyUsers,
    repeatTestItems,
    droppedAfterCutoff,
    tiedBoundaryUsers,
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

/** Keeps every n-th test user so tuning scores a bounded number of users. */
export function thinTestUsers(split: Split, max: number): Split {
  const n = split.test.users.length;
  if (n <= max) return split;
  const step = n / max;
  const keep = Array.from({ length: max }, (_, j) => Math.floor(j * step));
  const indptr = new Int32Array(max + 1);
  const items: number[] = [];
  keep.forEach((t, j) => {
    for (let p = split.test.indptr[t]!; p < split.test.indptr[t + 1]!; p++) items.push(split.test.items[p]!);
    indptr[j + 1] = items.length;
  });
  const ratings = split.test.ratings;
  const keptRatings = ratings ? Float32Array.from(keep.flatMap((t) => Array.from(ratings.subarray(split.test.indptr[t]!, split.test.indptr[t + 1]!)))) : null;
  return { ...split, test: { users: Int32Array.from(keep, (t) => split.test.users[t]!), indptr, items: Int32Array.from(items), ratings: keptRatings } };
}
