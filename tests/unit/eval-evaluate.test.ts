import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { evaluate, evaluateInParallel } from '../../main/engine/eval/evaluate.ts';
import { toRunMetrics, writePerUserCsv } from '../../main/engine/eval/report.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext, type ProgressUpdate } from '../../main/engine/common/task-context.ts';
import type { Scorer } from '../../main/engine/recsys/scorer.ts';

/** A scorer that returns fixed rows, one per user. */
function matrixScorer(rows: number[][], onCall: () => void = () => {}): Scorer {
  const nItems = rows[0]!.length;
  return {
    nItems,
    scoreUsers(users, out) {
      onCall();
      users.forEach((u, r) => out.set(rows[u]!, r * nItems));
    },
  };
}

// u0: items 0, 1, 2 at t = 1, 2, 3 → train {0, 1}, test {2}
// u1: items 3, 4 at t = 1, 2      → train {3},    test {4}
// u2: item 0 only                 → skipped, train {0}
const log: InteractionTable = {
  userIds: ['u0', 'u,1', 'u2'],
  itemIds: ['a', 'b', 'c', 'd', 'e'],
  user: Int32Array.from([0, 0, 0, 1, 1, 2]),
  item: Int32Array.from([0, 1, 2, 3, 4, 0]),
  rating: null,
  ts: Float64Array.from([1, 2, 3, 1, 2, 1]),
};
const split = splitInteractions(log, { method: 'last1' });
const scores = [
  [5, 4, 3, 2, 1],
  [1, 2, 3, 4, 5],
  [0, 0, 0, 0, 0],
];
const ctx = silentContext();

describe('evaluate (full ranking)', () => {
  it('masks training items and computes hand-checked metrics, coverage and novelty', () => {
    const e = evaluate(matrixScorer(scores), split, { ks: [1, 3] }, ctx);
    // u0 ranks [2, 3, 4] after masking 0, 1 → test item 2 at rank 1; u1 ranks [4, 2, 1, 0] → item 4 at rank 1
    expect(e.metrics['recall@1']).toBe(1);
    expect(e.metrics['ndcg@3']).toBe(1);
    expect(e.intervals['recall@1']).toEqual([1, 1]);
    // top-1 items {2, 4}: 2/5; top-3 items {2, 3, 4} ∪ {4, 2, 1}: 4/5
    expect(e.metrics['coverage@1']).toBe(0.4);
    expect(e.metrics['coverage@3']).toBe(0.8);
    // 3 active training users; items 2 and 4 have no training users: −log2((0 + 1) / (3 + 1)) = 2 bits
    expect(e.metrics['novelty@1']).toBe(2);
    expect(e.users).toEqual({ evaluated: 2, skipped: 1 });
    expect(Array.from(e.perUser.users)).toEqual([0, 1]);
    expect(Array.from(e.perUser.nTest)).toEqual([1, 1]);
    expect(Array.from(e.perUser.nTrain)).toEqual([2, 1]);
  });

  it('without the seen filter, training items compete with the test item', () => {
    const e = evaluate(matrixScorer(scores), split, { ks: [1, 3], seenFilter: false }, ctx);
    // u0 ranks [0, 1, 2, …]: test item at rank 3 → recall@1 0, mrr@3 1/3, ndcg@3 = 1/log2(4) = 0.5; u1 unchanged (rank 1)
    expect(e.metrics['recall@1']).toBe(0.5);
    expect(e.metrics['mrr@3']).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(e.metrics['ndcg@3']).toBeCloseTo((0.5 + 1) / 2, 12);
    // recall@1 values 0 and 1: s = √0.5, half = 1.96 · √0.5 / √2 = 0.98
    expect(e.intervals['recall@1']![0]).toBeCloseTo(-0.48, 12);
    expect(e.intervals['recall@1']![1]).toBeCloseTo(1.48, 12);
  });

  it('leakage guard: a seen filter built from all events would hide the test item', () => {
    const honest = evaluate(matrixScorer(scores), split, { ks: [1] }, ctx);
    const leaky = { ...split, trainCsr: csrFromCoo(3, 5, log.user, log.item, null) };
    const wrong = evaluate(matrixScorer(scores), leaky, { ks: [1] }, ctx);
    expect(honest.metrics['hitrate@1']).toBe(1);
    expect(wrong.metrics['hitrate@1']).toBe(0);
  });

  it('segments users by training activity tertiles', () => {
    const e = evaluate(matrixScorer(scores), split, { ks: [1] }, ctx);
    // nTrain u0 = 2, u1 = 1 → sorted [1, 2]: light ≤ 1, medium ≤ 2, heavy empty
    expect(e.segmentThresholds).toEqual({ light: 1, medium: 2 });
    expect(Array.from(e.perUser.segment)).toEqual([1, 0]);
    expect(Object.keys(e.segments)).toEqual(['light', 'medium']);
    expect(e.segments.light!['recall@1']).toBe(1);
  });

  it('gives the same per-user values whatever the batch size', () => {
    const one = evaluate(matrixScorer(scores), split, { ks: [1, 3], batchSize: 1 }, ctx);
    const all = evaluate(matrixScorer(scores), split, { ks: [1, 3], batchSize: 256 }, ctx);
    expect(one.perUser.values).toEqual(all.perUser.values);
  });

  it('reports progress per batch and stops between batches when cancelled', () => {
    const controller = new AbortController();
    const updates: ProgressUpdate[] = [];
    const cancelling = matrixScorer(scores, () => controller.abort());
    const run = () =>
      evaluate(
        cancelling,
        split,
        { ks: [1], batchSize: 1, stage: 'evaluate:pop' },
        { signal: controller.signal, progress: (p) => updates.push(p), log: () => {} },
      );
    expect(run).toThrow(expect.objectContaining({ kind: 'cancelled' }));
    expect(updates).toEqual([{ stage: 'evaluate:pop', current: 1, total: 2, unit: 'users' }]);
  });

  it('adds graded NDCG columns when the log has ratings', () => {
    // same log with ratings; u0's test item 2 is rated 4, u1's test item 4 is rated 2
    const rated = splitInteractions({ ...log, rating: Float32Array.from([5, 3, 4, 1, 2, 5]) }, { method: 'last1' });
    const e = evaluate(matrixScorer(scores), rated, { ks: [1, 3], seenFilter: false }, ctx);
    expect(e.metricNames.slice(-2)).toEqual(['ndcg_graded@1', 'ndcg_graded@3']);
    // one test item per user, so graded = binary: u0 (rank 3) 0.5, u1 (rank 1) 1
    expect(e.metrics['ndcg_graded@3']).toBeCloseTo(0.75, 12);
    expect(e.metrics['ndcg_graded@1']).toBe(0.5);
    expect(evaluate(matrixScorer(scores), split, { ks: [1] }, ctx).metricNames).not.toContain('ndcg_graded@1');
  });

  it('graded NDCG rewards ranking the higher-rated test item first', () => {
    // u0 rates items 0..3 with 5, 1, 5, 2 at t = 1..4; lastpct:0.5 → train {0, 1}, test {2: 5, 3: 2}
    const rated = splitInteractions(
      {
        userIds: ['u0'],
        itemIds: ['a', 'b', 'c', 'd', 'e'],
        user: Int32Array.from([0, 0, 0, 0]),
        item: Int32Array.from([0, 1, 2, 3]),
        rating: Float32Array.from([5, 1, 5, 2]),
        ts: Float64Array.from([1, 2, 3, 4]),
      },
      { method: 'lastpct:0.5' },
    );
    // after masking 0 and 1 the ranking is [3, 2, 4]: both test items in the top 2, the lower-rated first
    const e = evaluate(matrixScorer([[9, 8, 1, 7, 0]]), rated, { ks: [2] }, ctx);
    expect(e.metrics['ndcg@2']).toBeCloseTo(1, 12);
    // DCG = 2 + 5/log2(3) = 2 + 3.154649 = 5.154649; IDCG = 5 + 2/log2(3) = 5 + 1.261860 = 6.261860 → 0.823182
    expect(e.metrics['ndcg_graded@2']).toBeCloseTo(0.823182, 6);
  });

  it('refuses a split without test users, saying why', () => {
    const noTest = splitInteractions(log, { method: 'last1', minUserEvents: 5 });
    expect(() => evaluate(matrixScorer(scores), noTest, {}, ctx)).toThrow(
      expect.objectContaining({ kind: 'invalid-input', message: expect.stringContaining('3 users have too little history') }),
    );
  });

  it('rejects a scorer for another catalogue', () => {
    expect(() => evaluate(matrixScorer([[1, 2]]), split, {}, ctx)).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});

describe('evaluateInParallel (ranking on a worker thread)', () => {
  /** 300 users × 50 items with pseudo-random events and a scorer with many ties. */
  function largerCase() {
    const user: number[] = [];
    const item: number[] = [];
    const ts: number[] = [];
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let u = 0; u < 300; u++) {
      for (let e = 0; e < 2 + (u % 7); e++) {
        user.push(u);
        item.push(Math.floor(next() * next() * 50));
        ts.push(e);
      }
    }
    const table: InteractionTable = {
      userIds: Array.from({ length: 300 }, (_, u) => `u${u}`),
      itemIds: Array.from({ length: 50 }, (_, i) => `i${i}`),
      user: Int32Array.from(user),
      item: Int32Array.from(item),
      rating: Float32Array.from(item, (i, k) => 1 + ((i + k) % 5)),
      ts: Float64Array.from(ts),
    };
    const rows = Array.from({ length: 300 }, (_, u) => Array.from({ length: 50 }, (_, i) => ((u * 7 + i * 13) % 17) / 4));
    return { split: splitInteractions(table, { method: 'lastpct:0.3' }), scorer: matrixScorer(rows) };
  }

  it('gives exactly the results of evaluate, with progress in order', async () => {
    const { split: s, scorer } = largerCase();
    const updates: number[] = [];
    const options = { ks: [1, 5, 20], batchSize: 32 };
    const parallel = await evaluateInParallel(scorer, s, options, { ...ctx, progress: (p) => updates.push(p.current) });
    const inline = evaluate(scorer, s, options, ctx);
    expect(parallel.metricNames).toContain('ndcg_graded@20');
    expect(parallel.perUser).toEqual(inline.perUser);
    expect(parallel.metrics).toEqual(inline.metrics);
    expect(parallel.intervals).toEqual(inline.intervals);
    expect(parallel.segments).toEqual(inline.segments);
    const n = s.test.users.length;
    expect(n).toBeGreaterThan(200);
    expect(updates).toEqual(Array.from({ length: Math.ceil(n / 32) }, (_, b) => Math.min((b + 1) * 32, n)));
  });

  it('stops between batches when cancelled', async () => {
    const { split: s } = largerCase();
    const controller = new AbortController();
    let calls = 0;
    const scorer = matrixScorer(
      Array.from({ length: 300 }, () => new Array(50).fill(1)),
      () => {
        if (++calls === 3) controller.abort();
      },
    );
    await expect(evaluateInParallel(scorer, s, { batchSize: 16 }, { ...ctx, signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
    expect(calls).toBe(3);
  });

  it('passes a scorer error through and stops the worker', async () => {
    const { split: s } = largerCase();
    const scorer = matrixScorer([new Array(50).fill(1)], () => {
      throw new Error('kernel failed');
    });
    await expect(evaluateInParallel(scorer, s, {}, ctx)).rejects.toThrow('kernel failed');
  });
});

describe('reports', () => {
  it('writes one CSV row per evaluated user with quoted ids, the test items and the ranked top-K', () => {
    const e = evaluate(matrixScorer(scores), split, { ks: [1, 3], seenFilter: false }, ctx);
    const path = join(mkdtempSync(join(tmpdir(), 'ty-eval-')), 'per_user.csv');
    writePerUserCsv(path, e, split.test, log.userIds, [...log.itemIds.slice(0, 4), 'e, "quoted"']);
    const rows = parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0]!).slice(0, 6)).toEqual(['user', 'n_test', 'n_train', 'segment', 'recall@1', 'recall@3']);
    expect(rows[0]).toMatchObject({ user: 'u0', n_test: '1', n_train: '2', segment: 'medium', 'recall@1': '0', 'recall@3': '1' });
    expect(rows[1]).toMatchObject({ user: 'u,1', segment: 'light', 'recall@1': '1' });
    expect(Number(rows[0]!['ndcg@3'])).toBe(0.5);
    expect(Object.keys(rows[0]!).slice(-2)).toEqual(['test_items', 'top_items']);
    // u0 ranks a, b, c (no seen filter here); u1 ranks e, d, c
    expect(JSON.parse(rows[0]!.test_items!)).toEqual(['c']);
    expect(JSON.parse(rows[0]!.top_items!)).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(rows[1]!.test_items!)).toEqual(['e, "quoted"']);
    expect(JSON.parse(rows[1]!.top_items!)).toEqual(['e, "quoted"', 'd', 'c']);
  });

  it('keeps top-K lists shorter than K when fewer items are rankable (−1 after the last)', () => {
    const e = evaluate(matrixScorer(scores), split, { ks: [4] }, ctx);
    // u0 has 2 training items of 5: 3 rankable; u1 has 1: 4 rankable
    expect(Array.from(e.perUser.topItems)).toEqual([2, 3, 4, -1, 4, 2, 1, 0]);
  });

  it('builds RunMetrics from several models', () => {
    const a = evaluate(matrixScorer(scores), split, { ks: [1, 3] }, ctx);
    const b = evaluate(matrixScorer(scores), split, { ks: [1, 3], seenFilter: false }, ctx);
    const m = toRunMetrics({ als: a, popularity: b });
    expect(m.ks).toEqual([1, 3]);
    expect(m.models.popularity!['recall@1']).toBe(0.5);
    expect(m.intervals.als!['ndcg@3']).toEqual([1, 1]);
    expect(m.segments.als!.light!['recall@1']).toBe(1);
    expect(m.users).toEqual({ evaluated: 2, skipped: 1 });
    const c = evaluate(matrixScorer(scores), split, { ks: [5] }, ctx);
    expect(() => toRunMetrics({ a, c })).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
    expect(() => toRunMetrics({})).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});
