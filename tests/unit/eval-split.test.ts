import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { parseSplitMethod, splitInteractions, type Split } from '../../main/engine/eval/split.ts';

/** events: [user, item, ts] (ratings optional, same order) */
function table(nUsers: number, nItems: number, events: [number, number, number][], ratings?: number[]): InteractionTable {
  return {
    userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
    user: Int32Array.from(events.map((e) => e[0])),
    item: Int32Array.from(events.map((e) => e[1])),
    rating: ratings ? Float32Array.from(ratings) : null,
    ts: Float64Array.from(events.map((e) => e[2])),
  };
}

function testItemsOf(split: Split, user: number): number[] {
  const t = Array.from(split.test.users).indexOf(user);
  if (t < 0) return [];
  return Array.from(split.test.items.subarray(split.test.indptr[t]!, split.test.indptr[t + 1]!));
}

function trainItemsOf(split: Split, user: number): number[] {
  const { indptr, indices } = split.trainCsr;
  return Array.from(indices.subarray(indptr[user]!, indptr[user + 1]!));
}

describe('parseSplitMethod', () => {
  it('accepts last1 and lastpct:x', () => {
    expect(parseSplitMethod('last1')).toEqual({ kind: 'last1' });
    expect(parseSplitMethod('lastpct:0.2')).toEqual({ kind: 'lastpct', fraction: 0.2 });
  });
  it.each(['last2', 'lastpct:1', 'lastpct:0', 'lastpct:abc', 'lastpct:', ''])('rejects "%s" naming the field', (text) => {
    expect(() => parseSplitMethod(text)).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ field: 'split.method' }) }),
    );
  });
});

describe('splitInteractions', () => {
  // user 0: items 0,1,2 at t = 1,2,3, logged in reverse order; user 1: items 3 and 1 both at t = 5;
  // user 2: one event (too little history)
  const log = table(3, 4, [
    [0, 2, 3],
    [0, 1, 2],
    [1, 3, 5],
    [0, 0, 1],
    [1, 1, 5],
    [2, 0, 7],
  ]);

  it("last1 holds out each user's last event by time", () => {
    const s = splitInteractions(log, { method: 'last1' });
    expect(Array.from(s.test.users)).toEqual([0, 1]);
    expect(testItemsOf(s, 0)).toEqual([2]);
    expect(trainItemsOf(s, 0)).toEqual([0, 1]);
    // user 1's two events tie at t = 5: one is held out, the other trains
    expect([...testItemsOf(s, 1), ...trainItemsOf(s, 1)].sort()).toEqual([1, 3]);
    expect(s.tiedBoundaryUsers).toBe(1);
    expect(s.testEvents).toBe(2);
    expect(s.train.user.length).toBe(4);
  });

  it('keeps users with too little history in training and counts them', () => {
    const s = splitInteractions(log, { method: 'last1' });
    expect(s.skippedUsers).toBe(1);
    expect(trainItemsOf(s, 2)).toEqual([0]);
    const strict = splitInteractions(log, { method: 'last1', minUserEvents: 3 });
    expect(strict.skippedUsers).toBe(2);
    expect(Array.from(strict.test.users)).toEqual([0]);
    expect(trainItemsOf(strict, 1)).toEqual([1, 3]);
    // every event is either in training or in a test set
    expect(strict.train.user.length + strict.testEvents).toBe(log.user.length);
  });

  it('rejects minUserEvents below 2', () => {
    expect(() => splitInteractions(log, { method: 'last1', minUserEvents: 1 })).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });

  it('lastpct:x holds out max(1, floor(x·n)) events and keeps at least one for training', () => {
    // user 0: 5 events → floor(0.5·5) = 2 test; user 1: 3 events → 1; user 2: 2 events → 1
    const events: [number, number, number][] = [];
    for (let e = 0; e < 5; e++) events.push([0, e, e]);
    for (let e = 0; e < 3; e++) events.push([1, e, e]);
    for (let e = 0; e < 2; e++) events.push([2, e, e]);
    const s = splitInteractions(table(3, 5, events), { method: 'lastpct:0.5' });
    expect(testItemsOf(s, 0)).toEqual([3, 4]);
    expect(testItemsOf(s, 1)).toEqual([2]);
    expect(testItemsOf(s, 2)).toEqual([1]);
    const most = splitInteractions(table(3, 5, events), { method: 'lastpct:0.9' });
    // floor(0.9·5) = 4 test, 1 train; floor(0.9·2) = 1
    expect(testItemsOf(most, 0)).toEqual([1, 2, 3, 4]);
    expect(trainItemsOf(most, 0)).toEqual([0]);
  });

  it('global cutoff: training ends before the cutoff, test events start at it', () => {
    // user 0: t = 1, 5, 9; user 1: t = 1, 2, 3 (last event before the cutoff)
    const s = splitInteractions(
      table(2, 3, [
        [0, 0, 1],
        [0, 1, 5],
        [0, 2, 9],
        [1, 0, 1],
        [1, 1, 2],
        [1, 2, 3],
      ]),
      { method: 'last1', cutoff: 4 },
    );
    expect(testItemsOf(s, 0)).toEqual([2]);
    // t = 5 is after the cutoff but not a test event: dropped
    expect(trainItemsOf(s, 0)).toEqual([0]);
    expect(s.droppedAfterCutoff).toBe(1);
    // user 1 has nothing in the test period: no test set, all events train
    expect(Array.from(s.test.users)).toEqual([0]);
    expect(trainItemsOf(s, 1)).toEqual([0, 1, 2]);
    expect(Math.max(...s.train.ts)).toBeLessThan(4);
  });

  it('never lets a training event be later than a test event under a cutoff (random logs)', () => {
    const event = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 20 }));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), fc.integer({ min: 0, max: 20 }), fc.constantFrom('last1', 'lastpct:0.3'), (events, cutoff, method) => {
        const t = table(6, 8, events);
        const s = splitInteractions(t, { method, cutoff });
        for (const ts of s.train.ts) expect(ts).toBeLessThan(cutoff);
        // test items come only from events at or after the cutoff
        s.test.users.forEach((u, k) => {
          for (const i of s.test.items.subarray(s.test.indptr[k]!, s.test.indptr[k + 1]!)) {
            expect(events.some((e) => e[0] === u && e[1] === i && e[2] >= cutoff)).toBe(true);
          }
        });
        expect(s.train.user.length + s.testEvents + s.droppedAfterCutoff).toBe(events.length);
      }),
    );
  });

  it('removes test items the user already has in training (they could never be hits) and counts them', () => {
    // user 0: item 0, item 1, item 0 again → last1 test item 0 is a repeat; user 1: items 0, 2
    const s = splitInteractions(
      table(2, 3, [
        [0, 0, 1],
        [0, 1, 2],
        [0, 0, 3],
        [1, 0, 1],
        [1, 2, 2],
      ]),
      { method: 'last1' },
    );
    expect(s.repeatTestItems).toBe(1);
    expect(s.repeatOnlyUsers).toBe(1);
    expect(Array.from(s.test.users)).toEqual([1]);
  });

  it('builds the seen-items CSR from training events only (the test item stays rankable)', () => {
    const s = splitInteractions(log, { method: 'last1' });
    for (const [k, u] of s.test.users.entries()) {
      const train = new Set(trainItemsOf(s, u));
      for (const i of s.test.items.subarray(s.test.indptr[k]!, s.test.indptr[k + 1]!)) expect(train.has(i), `user ${u} item ${i}`).toBe(false);
    }
    // counts in the CSR are training events per pair
    expect(s.trainCsr.data.every((v) => v === 1)).toBe(true);
  });

  it('carries ratings: training rows, and the largest test rating per test item', () => {
    const s = splitInteractions(
      table(
        1,
        3,
        [
          [0, 0, 1],
          [0, 1, 2],
          [0, 2, 3],
        ],
        [4, 5, 3],
      ),
      { method: 'last1' },
    );
    expect(Array.from(s.train.rating!)).toEqual([4, 5]);
    expect(Array.from(s.test.ratings!)).toEqual([3]);
    // last 3 of 4 events are test: item 1 rated 2 then 4, item 2 rated 1
    const twice = splitInteractions(
      table(
        1,
        3,
        [
          [0, 0, 1],
          [0, 1, 2],
          [0, 2, 3],
          [0, 1, 4],
        ],
        [5, 2, 1, 4],
      ),
      { method: 'lastpct:0.75' },
    );
    expect(Array.from(twice.test.items)).toEqual([1, 2]);
    expect(Array.from(twice.test.ratings!)).toEqual([4, 1]);
    expect(
      splitInteractions(
        table(1, 3, [
          [0, 0, 1],
          [0, 1, 2],
        ]),
        { method: 'last1' },
      ).test.ratings,
    ).toBeNull();
  });

  it('names the bad row when an index or timestamp is out of range', () => {
    expect(() =>
      splitInteractions(
        table(1, 2, [
          [0, 0, 1],
          [0, 5, 2],
        ]),
        { method: 'last1' },
      ),
    ).toThrow(expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ row: 1 }) }));
    expect(() => splitInteractions(table(1, 2, [[0, 0, NaN]]), { method: 'last1' })).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});

describe('split tie rules', () => {
  /** The table with its rows in another order (same events). */
  function reordered(t: InteractionTable, rows: number[]): InteractionTable {
    return {
      ...t,
      user: Int32Array.from(rows, (r) => t.user[r]!),
      item: Int32Array.from(rows, (r) => t.item[r]!),
      ts: Float64Array.from(rows, (r) => t.ts[r]!),
    };
  }

  // 200 users, each: item 0 at t = 1, then items 1..4 all at t = 2 (the last timestamp is a 4-way tie)
  const tied = table(
    200,
    5,
    Array.from({ length: 200 }, (_, u): [number, number, number][] => [
      [u, 0, 1],
      [u, 1, 2],
      [u, 2, 2],
      [u, 3, 2],
      [u, 4, 2],
    ]).flat(),
  );

  it('random: the held-out event of a tie follows the seed, not the row order, and is reproducible', () => {
    const a = splitInteractions(tied, { method: 'last1', seed: 7 });
    const again = splitInteractions(tied, { method: 'last1', seed: 7 });
    const reversed = splitInteractions(
      reordered(
        tied,
        Array.from({ length: tied.user.length }, (_, r) => tied.user.length - 1 - r),
      ),
      { method: 'last1', seed: 7 },
    );
    expect(Array.from(again.test.items)).toEqual(Array.from(a.test.items));
    expect(Array.from(reversed.test.items)).toEqual(Array.from(a.test.items));
    expect(a.ties).toBe('random');
    expect(a.seed).toBe(7);
    expect(a.tiedBoundaryUsers).toBe(200);
    // one test item per user, always among the tied ones; item 0 (earlier) always trains
    expect(a.test.items.length).toBe(200);
    expect(a.test.items.every((i) => i >= 1)).toBe(true);
    // unbiased: each of the four tied items is chosen for about a quarter of the users (binomial sd ≈ 6)
    const counts = [1, 2, 3, 4].map((i) => a.test.items.filter((x) => x === i).length);
    for (const c of counts) expect(c).toBeGreaterThan(50 - 25);
    for (const c of counts) expect(c).toBeLessThan(50 + 25);
    // another seed picks differently for some users
    const b = splitInteractions(tied, { method: 'last1', seed: 8 });
    expect(Array.from(b.test.items)).not.toEqual(Array.from(a.test.items));
  });

  it('random: ties are broken by external ids, so re-numbered items keep their choice', () => {
    const one = table(1, 3, [
      [0, 0, 1],
      [0, 1, 5],
      [0, 2, 5],
    ]);
    const swapped: InteractionTable = { ...one, itemIds: ['i0', 'i2', 'i1'], item: Int32Array.from([0, 2, 1]) };
    const a = splitInteractions(one, { method: 'last1', seed: 3 });
    const b = splitInteractions(swapped, { method: 'last1', seed: 3 });
    expect(one.itemIds[a.test.items[0]!]).toBe(swapped.itemIds[b.test.items[0]!]);
  });

  it('all, last1: every event at the last timestamp is held out (leave-last-timestamp-out)', () => {
    const s = splitInteractions(tied, { method: 'last1', ties: 'all' });
    expect(s.ties).toBe('all');
    expect(s.seed).toBeNull();
    expect(s.tiedBoundaryUsers).toBe(200);
    expect(testItemsOf(s, 0)).toEqual([1, 2, 3, 4]);
    expect(trainItemsOf(s, 0)).toEqual([0]);
    expect(s.testEvents).toBe(800);
  });

  it('all, last1: a user whose whole history is one timestamp stays in training as skipped', () => {
    const s = splitInteractions(
      table(2, 3, [
        [0, 0, 4],
        [0, 1, 4],
        [1, 0, 1],
        [1, 2, 2],
      ]),
      { method: 'last1', ties: 'all' },
    );
    expect(Array.from(s.test.users)).toEqual([1]);
    expect(trainItemsOf(s, 0)).toEqual([0, 1]);
    expect(s.skippedUsers).toBe(1);
    expect(s.tiedBoundaryUsers).toBe(1);
    // under random the same user is split: one of the two tied events is tested
    const r = splitInteractions(
      table(2, 3, [
        [0, 0, 4],
        [0, 1, 4],
        [1, 0, 1],
        [1, 2, 2],
      ]),
      { method: 'last1' },
    );
    expect(Array.from(r.test.users)).toEqual([0, 1]);
    expect(r.skippedUsers).toBe(0);
  });

  it('lastpct: random keeps the nominal count; all moves the boundary to the start of the tie', () => {
    // 6 events at t = 1, 2, 3, 3, 3, 4; lastpct:0.5 → nominal boundary at position 3, inside the t = 3 tie (positions 2..4)
    const events: [number, number, number][] = [
      [0, 0, 1],
      [0, 1, 2],
      [0, 2, 3],
      [0, 3, 3],
      [0, 4, 3],
      [0, 5, 4],
    ];
    const r = splitInteractions(table(1, 6, events), { method: 'lastpct:0.5', seed: 1 });
    expect(r.tiedBoundaryUsers).toBe(1);
    expect(testItemsOf(r, 0)).toHaveLength(3);
    expect(testItemsOf(r, 0)).toContain(5);
    expect(trainItemsOf(r, 0)).toEqual(expect.arrayContaining([0, 1]));
    const a = splitInteractions(table(1, 6, events), { method: 'lastpct:0.5', ties: 'all' });
    expect(testItemsOf(a, 0)).toEqual([2, 3, 4, 5]);
    expect(trainItemsOf(a, 0)).toEqual([0, 1]);
  });

  it('lastpct, all: moves the boundary to the end of the tie when its start would leave no training event', () => {
    // t = 1, 1, 1, 2: lastpct:0.5 → boundary at position 2, inside the leading tie → the tie trains, t = 2 is tested
    const a = splitInteractions(
      table(1, 4, [
        [0, 0, 1],
        [0, 1, 1],
        [0, 2, 1],
        [0, 3, 2],
      ]),
      { method: 'lastpct:0.5', ties: 'all' },
    );
    expect(testItemsOf(a, 0)).toEqual([3]);
    expect(trainItemsOf(a, 0)).toEqual([0, 1, 2]);
    expect(a.tiedBoundaryUsers).toBe(1);
  });

  it('no tie at the boundary: both rules split alike and count nothing', () => {
    const events: [number, number, number][] = [
      [0, 0, 1],
      [0, 1, 1],
      [0, 2, 2],
      [0, 3, 3],
    ];
    for (const ties of ['random', 'all'] as const) {
      const s = splitInteractions(table(1, 4, events), { method: 'lastpct:0.5', ties });
      expect(testItemsOf(s, 0)).toEqual([2, 3]);
      expect(s.tiedBoundaryUsers).toBe(0);
    }
  });

  it('cutoff: a tie at the boundary inside the test period follows the rule; one before the cutoff is not counted', () => {
    // user 0: t = 1, 5, 9, 9 (tie at the end, after the cutoff 4); user 1: t = 1, 2, 2 (tie before the cutoff)
    const events: [number, number, number][] = [
      [0, 0, 1],
      [0, 1, 5],
      [0, 2, 9],
      [0, 3, 9],
      [1, 0, 1],
      [1, 1, 2],
      [1, 2, 2],
    ];
    const a = splitInteractions(table(2, 4, events), { method: 'last1', cutoff: 4, ties: 'all' });
    expect(testItemsOf(a, 0)).toEqual([2, 3]);
    expect(trainItemsOf(a, 0)).toEqual([0]);
    expect(a.droppedAfterCutoff).toBe(1);
    expect(trainItemsOf(a, 1)).toEqual([0, 1, 2]);
    expect(a.tiedBoundaryUsers).toBe(1);
    const r = splitInteractions(table(2, 4, events), { method: 'last1', cutoff: 4, seed: 5 });
    // one t = 9 event is tested; the other is a training-position event after the cutoff: dropped
    expect(testItemsOf(r, 0)).toHaveLength(1);
    expect(trainItemsOf(r, 0)).toEqual([0]);
    expect(r.droppedAfterCutoff).toBe(2);
    expect(r.tiedBoundaryUsers).toBe(1);
    expect(r.train.user.length + r.testEvents + r.droppedAfterCutoff).toBe(events.length);
  });

  it("all never separates a user's events of one timestamp into training and test (random logs, with and without a cutoff)", () => {
    const event = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 6 }));
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 40 }),
        fc.option(fc.integer({ min: 0, max: 6 })),
        fc.constantFrom('last1', 'lastpct:0.4'),
        (events, at, method) => {
          const cutoff = at ?? -Infinity;
          const s = splitInteractions(table(4, 6, events), { method, ties: 'all', ...(at === null ? {} : { cutoff: at }) });
          // under all, no user has a training (or dropped) event at the timestamp of one of their test events
          const testTimes = new Set<string>();
          s.test.users.forEach((u, k) => {
            for (const i of s.test.items.subarray(s.test.indptr[k]!, s.test.indptr[k + 1]!))
              for (const e of events) if (e[0] === u && e[1] === i && e[2] >= cutoff) testTimes.add(`${u}:${e[2]}`);
          });
          for (let k = 0; k < s.train.user.length; k++) expect(testTimes.has(`${s.train.user[k]}:${s.train.ts[k]}`)).toBe(false);
        },
      ),
    );
  });

  it('rejects an unknown tie rule naming the field', () => {
    expect(() => splitInteractions(tied, { method: 'last1', ties: 'first' as never })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ field: 'split.ties' }) }),
    );
  });
});
