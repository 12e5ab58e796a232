import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import {
  computeGradedNdcg,
  computeUserMetrics,
  itemSelfInformation,
  meanInterval,
  normalizeKs,
  rankDiscounts,
  userMetricNames,
} from '../../main/engine/eval/metrics.ts';
import { TopK } from '../../main/engine/eval/topk.ts';

/** Runs computeUserMetrics and returns { "recall@5": …, … }. */
function metricsOf(hits: number[], nTest: number, ks: number[], selfInfo: number[] = hits.map(() => 0)): Record<string, number> {
  const names = userMetricNames(ks);
  const out = new Float64Array(names.length);
  computeUserMetrics(Uint8Array.from(hits), Float64Array.from(selfInfo), hits.length, nTest, ks, rankDiscounts(Math.max(...ks)), out, 0);
  return Object.fromEntries(names.map((n, c) => [n, out[c]!]));
}

describe('per-user metrics, hand-computed', () => {
  it('ranked [x, a, y, b, z] against T = {a, b} at K = 1, 3, 5', () => {
    const m = metricsOf([0, 1, 0, 1, 0], 2, [1, 3, 5], [1, 2, 3, 4, 5]);
    // recall = hits / |T|: 0/2, 1/2, 2/2
    expect([m['recall@1'], m['recall@3'], m['recall@5']]).toEqual([0, 0.5, 1]);
    // precision = hits / K: 0/1, 1/3, 2/5
    expect(m['precision@1']).toBe(0);
    expect(m['precision@3']).toBeCloseTo(1 / 3, 12);
    expect(m['precision@5']).toBeCloseTo(0.4, 12);
    expect([m['hitrate@1'], m['hitrate@3'], m['hitrate@5']]).toEqual([0, 1, 1]);
    // first hit at rank 2
    expect([m['mrr@1'], m['mrr@3'], m['mrr@5']]).toEqual([0, 0.5, 0.5]);
    // DCG@3 = 1/log2(3) = 0.630930; IDCG@3 = 1 + 1/log2(3) = 1.630930 → 0.386853
    // DCG@5 = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606; IDCG@5 = IDCG@3 (|T| = 2) → 0.650920
    expect(m['ndcg@1']).toBe(0);
    expect(m['ndcg@3']).toBeCloseTo(0.386853, 6);
    expect(m['ndcg@5']).toBeCloseTo(0.65092, 5);
    // AP@3 = (1/2) / min(3, 2) = 0.25; AP@5 = (1/2 + 2/4) / 2 = 0.5
    expect([m['map@1'], m['map@3'], m['map@5']]).toEqual([0, 0.25, 0.5]);
    // novelty = mean self-information of the shown items: 1; (1+2+3)/3 = 2; 15/5 = 3
    expect([m['novelty@1'], m['novelty@3'], m['novelty@5']]).toEqual([1, 2, 3]);
  });

  it('a list shorter than K: one ranked item that is the only test item, K = 1, 5', () => {
    const m = metricsOf([1], 1, [1, 5], [2.5]);
    expect([m['recall@1'], m['recall@5']]).toEqual([1, 1]);
    // precision divides by K even when fewer items are shown: 1/5
    expect([m['precision@1'], m['precision@5']]).toEqual([1, 0.2]);
    // IDCG@5 = 1 because |T| = 1
    expect([m['ndcg@1'], m['ndcg@5']]).toEqual([1, 1]);
    expect([m['map@1'], m['map@5']]).toEqual([1, 1]);
    expect([m['novelty@1'], m['novelty@5']]).toEqual([2.5, 2.5]);
  });

  it('more test items than K: recall stays below 1 even with all hits', () => {
    // T has 4 items, top-2 both hits: recall@2 = 2/4, ndcg@2 = 1 (IDCG over min(2,4) ranks), AP@2 = (1 + 1) / 2 = 1
    const m = metricsOf([1, 1], 4, [2]);
    expect(m['recall@2']).toBe(0.5);
    expect(m['ndcg@2']).toBeCloseTo(1, 12);
    expect(m['map@2']).toBe(1);
  });

  it('empty list: every metric is 0', () => {
    const m = metricsOf([], 3, [10]);
    expect(Object.values(m)).toEqual(new Array(7).fill(0));
  });
});

/** Straightforward set-based definitions, to check the one-pass implementation against. */
function reference(ranked: number[], test: Set<number>, k: number) {
  const top = ranked.slice(0, k);
  const hitRanks = top.flatMap((item, r) => (test.has(item) ? [r + 1] : []));
  const dcg = hitRanks.reduce((s, r) => s + 1 / Math.log2(r + 1), 0);
  let idcg = 0;
  for (let r = 1; r <= Math.min(k, test.size); r++) idcg += 1 / Math.log2(r + 1);
  const ap = hitRanks.reduce((s, r, n) => s + (n + 1) / r, 0) / Math.min(k, test.size);
  return {
    recall: hitRanks.length / test.size,
    precision: hitRanks.length / k,
    hitrate: hitRanks.length > 0 ? 1 : 0,
    mrr: hitRanks.length > 0 ? 1 / hitRanks[0]! : 0,
    ndcg: dcg / idcg,
    map: ap,
  };
}

const rankingCase = fc
  .record({
    nItems: fc.integer({ min: 1, max: 40 }),
    ranked: fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 30 }),
    test: fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 10 }),
    ks: fc.uniqueArray(fc.integer({ min: 1, max: 35 }), { minLength: 1, maxLength: 5 }),
  })
  .map((c) => ({ ...c, ks: normalizeKs(c.ks) }));

function gradedOf(rankGains: number[], testGains: number[], ks: number[]): number[] {
  const out = new Float64Array(ks.length);
  const ideal = Float64Array.from(testGains).sort().reverse();
  computeGradedNdcg(Float64Array.from(rankGains), rankGains.length, ideal, testGains.length, ks, rankDiscounts(Math.max(...ks)), out, 0);
  return Array.from(out);
}

describe('graded NDCG', () => {
  it('ranked [x, a, b] with test ratings a = 3, b = 5, c = 1 at K = 1, 3', () => {
    // K=1: DCG 0 → 0. K=3: DCG = 3/log2(3) + 5/log2(4) = 1.892789 + 2.5 = 4.392789;
    // IDCG = 5/1 + 3/log2(3) + 1/log2(4) = 5 + 1.892789 + 0.5 = 7.392789 → 0.594199
    const [at1, at3] = gradedOf([0, 3, 5], [3, 5, 1], [1, 3]);
    expect(at1).toBe(0);
    expect(at3).toBeCloseTo(0.594199, 6);
  });

  it('is 0 when every test gain is 0', () => expect(gradedOf([0, 0], [0, 0], [2])).toEqual([0]));

  it('equals binary NDCG when every test rating is the same', () => {
    fc.assert(
      fc.property(rankingCase, fc.float({ min: Math.fround(0.5), max: 5, noNaN: true }), ({ ranked, test, ks }, rating) => {
        const testSet = new Set(test);
        const binary = metricsOf(
          ranked.map((i) => (testSet.has(i) ? 1 : 0)),
          test.length,
          ks,
        );
        const graded = gradedOf(
          ranked.map((i) => (testSet.has(i) ? rating : 0)),
          test.map(() => rating),
          ks,
        );
        ks.forEach((k, j) => expect(graded[j]).toBeCloseTo(binary[`ndcg@${k}`]!, 10));
      }),
    );
  });
});

describe('per-user metrics, properties', () => {
  it('match the set-based definitions', () => {
    fc.assert(
      fc.property(rankingCase, ({ ranked, test, ks }) => {
        const testSet = new Set(test);
        const m = metricsOf(
          ranked.map((i) => (testSet.has(i) ? 1 : 0)),
          test.length,
          ks,
        );
        for (const k of ks) {
          const ref = reference(ranked, testSet, k);
          for (const [family, value] of Object.entries(ref)) expect(m[`${family}@${k}`]).toBeCloseTo(value, 10);
        }
      }),
    );
  });

  it('ndcg, map, mrr, precision, recall lie in [0, 1]; recall and hitrate never decrease with K; hitrate = 1 exactly when recall > 0', () => {
    fc.assert(
      fc.property(rankingCase, ({ ranked, test, ks }) => {
        const testSet = new Set(test);
        const m = metricsOf(
          ranked.map((i) => (testSet.has(i) ? 1 : 0)),
          test.length,
          ks,
        );
        ks.forEach((k, j) => {
          for (const f of ['ndcg', 'map', 'mrr', 'precision', 'recall', 'hitrate']) {
            expect(m[`${f}@${k}`]).toBeGreaterThanOrEqual(0);
            expect(m[`${f}@${k}`]).toBeLessThanOrEqual(1 + 1e-12);
          }
          expect(m[`hitrate@${k}`]).toBe(m[`recall@${k}`]! > 0 ? 1 : 0);
          expect(m[`mrr@${k}`]).toBeLessThanOrEqual(m[`hitrate@${k}`]!);
          if (j > 0) {
            const prev = ks[j - 1]!;
            expect(m[`recall@${k}`]).toBeGreaterThanOrEqual(m[`recall@${prev}`]!);
            expect(m[`hitrate@${k}`]).toBeGreaterThanOrEqual(m[`hitrate@${prev}`]!);
          }
        });
      }),
    );
  });

  it('a ranking that starts with every test item has ndcg = map = 1 once K ≥ |T|', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }), (nTest, extra) => {
        const k = nTest + extra;
        const m = metricsOf([...new Array(nTest).fill(1), ...new Array(extra).fill(0)], nTest, [k]);
        expect(m[`ndcg@${k}`]).toBeCloseTo(1, 12);
        expect(m[`map@${k}`]).toBeCloseTo(1, 12);
        expect(m[`recall@${k}`]).toBe(1);
      }),
    );
  });
});

describe('userMetricNames', () => {
  it('is family-major, with graded NDCG last when asked for', () => {
    expect(userMetricNames([5, 10]).slice(0, 3)).toEqual(['recall@5', 'recall@10', 'ndcg@5']);
    expect(userMetricNames([5, 10], true).slice(-3)).toEqual(['novelty@10', 'ndcg_graded@5', 'ndcg_graded@10']);
  });
});

describe('normalizeKs', () => {
  it('sorts and de-duplicates', () => expect(normalizeKs([20, 5, 20, 10])).toEqual([5, 10, 20]));
  it.each([[[]], [[0]], [[2.5]], [[-1]]])('rejects %j', (ks) => {
    expect(() => normalizeKs(ks)).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});

describe('itemSelfInformation', () => {
  it('uses smoothed training popularity (deg + 1) / (active users + 1)', () => {
    // users 0 and 1 are active, user 2 has no training events; item degrees 2, 1, 0
    const csr = csrFromCoo(3, 3, Int32Array.from([0, 1, 0]), Int32Array.from([0, 0, 1]), null);
    const info = itemSelfInformation(csr);
    // −log2(3/3) = 0, −log2(2/3) = 0.584963, −log2(1/3) = 1.584963
    expect(info[0]).toBeCloseTo(0, 12);
    expect(info[1]).toBeCloseTo(0.584963, 6);
    expect(info[2]).toBeCloseTo(1.584963, 6);
  });
});

describe('meanInterval', () => {
  it('normal approximation with the sample std', () => {
    // values 1, 2, 3, 4 in column 1 of a 2-column table: mean 2.5, s = √(5/3) = 1.290994, half = 1.96·s/√4 = 1.2651745
    const values = Float64Array.from([9, 1, 9, 2, 9, 3, 9, 4]);
    const m = meanInterval(values, 2, 1, [0, 1, 2, 3]);
    expect(m.mean).toBe(2.5);
    expect(m.low).toBeCloseTo(1.2348255, 6);
    expect(m.high).toBeCloseTo(3.7651745, 6);
  });

  it('collapses to the mean for one value', () => {
    expect(meanInterval(Float64Array.from([0.3]), 1, 0, [0])).toEqual({ mean: 0.3, low: 0.3, high: 0.3 });
  });
});

describe('TopK', () => {
  it('equals a full sort (score desc, index asc), skipping -Infinity and NaN', () => {
    // long rows with few distinct values, optionally pre-sorted, so the candidate buffer (4K) is pruned many times
    const score = fc.oneof(fc.constantFrom(-Infinity, NaN, 0, 1, 1.5), fc.float({ noNaN: true, min: -5, max: 5 }));
    const order = fc.constantFrom('as-is', 'ascending', 'descending');
    fc.assert(
      fc.property(fc.array(score, { maxLength: 400 }), fc.integer({ min: 1, max: 20 }), order, (values, k, sorting) => {
        const row = Float32Array.from(values);
        if (sorting !== 'as-is') row.sort();
        if (sorting === 'descending') row.reverse();
        const expected = Array.from(row.keys())
          .filter((i) => row[i]! > -Infinity)
          .sort((a, b) => row[b]! - row[a]! || a - b)
          .slice(0, k);
        const out = new Int32Array(k);
        const n = new TopK(k).select(row, 0, row.length, out);
        expect(Array.from(out.subarray(0, n))).toEqual(expected);
      }),
    );
  });

  it('equals a full sort on long rows, where the threshold starts from a sample (ties and masked items included)', () => {
    // rows of ≥ 16 × 4K items take the sampled-threshold path; few distinct values force re-scans
    const score = fc.oneof(fc.constantFrom(-Infinity, NaN, 0, 1, 2), fc.float({ noNaN: true, min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(score, { minLength: 1300, maxLength: 3000 }), fc.integer({ min: 1, max: 20 }), (values, k) => {
        const row = Float32Array.from(values);
        const expected = Array.from(row.keys())
          .filter((i) => row[i]! > -Infinity)
          .sort((a, b) => row[b]! - row[a]! || a - b)
          .slice(0, k);
        const out = new Int32Array(k);
        const n = new TopK(k).select(row, 0, row.length, out);
        expect(Array.from(out.subarray(0, n))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('reads only its window of a larger buffer', () => {
    const buf = Float32Array.from([9, 9, 1, 3, 2, 9]);
    const out = new Int32Array(2);
    expect(new TopK(2).select(buf, 2, 3, out)).toBe(2);
    expect(Array.from(out)).toEqual([1, 2]);
  });
});
