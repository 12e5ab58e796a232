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
    expect(() => parseSplitMethod(text)).toThrow(expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ field: 'split.method' }) }));
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

  it('last1 holds out each user\'s last event by time; equal times keep log order', () => {
    const s = splitInteractions(log, { method: 'last1' });
    expect(Array.from(s.test.users)).toEqual([0, 1]);
    expect(testItemsOf(s, 0)).toEqual([2]);
    // item 1 is logged after item 3 at the same time, so it is the later event
    expect(testItemsOf(s, 1)).toEqual([1]);
    expect(trainItemsOf(s, 0)).toEqual([0, 1]);
    expect(trainItemsOf(s, 1)).toEqual([3]);
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
    const s = splitInteractions(table(1, 3, [[0, 0, 1], [0, 1, 2], [0, 2, 3]], [4, 5, 3]), { method: 'last1' });
    expect(Array.from(s.train.rating!)).toEqual([4, 5]);
    expect(Array.from(s.test.ratings!)).toEqual([3]);
    // last 3 of 4 events are test: item 1 rated 2 then 4, item 2 rated 1
    const twice = splitInteractions(table(1, 3, [[0, 0, 1], [0, 1, 2], [0, 2, 3], [0, 1, 4]], [5, 2, 1, 4]), { method: 'lastpct:0.75' });
    expect(Array.from(twice.test.items)).toEqual([1, 2]);
    expect(Array.from(twice.test.ratings!)).toEqual([4, 1]);
    expect(splitInteractions(table(1, 3, [[0, 0, 1], [0, 1, 2]]), { method: 'last1' }).test.ratings).toBeNull();
  });

  it('names the bad row when an index or timestamp is out of range', () => {
    expect(() => splitInteractions(table(1, 2, [[0, 0, 1], [0, 5, 2]]), { method: 'last1' })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ row: 1 }) }),
    );
    expect(() => splitInteractions(table(1, 2, [[0, 0, NaN]]), { method: 'last1' })).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});
