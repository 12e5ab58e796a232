import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import {
  createPopularityScorer,
  fitBayesPopularity,
  fitCountPopularity,
  loadPopularity,
  savePopularity,
  topItems,
} from '../../main/engine/recsys/popularity.ts';
import { loadNpy } from '../../main/engine/common/arrays.ts';

/**
 * Training events (u, item, rating): u0 rates item0 5 twice and item1 1; u1 rates item0 5;
 * each user's last event (item 3, rating 1) is the test event and must not count.
 */
const log: InteractionTable = {
  userIds: ['u0', 'u1'],
  itemIds: ['i0', 'i1', 'i2', 'i3'],
  user: Int32Array.from([0, 0, 0, 0, 1, 1]),
  item: Int32Array.from([0, 0, 1, 3, 0, 3]),
  rating: Float32Array.from([5, 5, 1, 1, 5, 1]),
  ts: Float64Array.from([1, 2, 3, 4, 1, 2]),
};
const split = splitInteractions(log, { method: 'last1' });

describe('count popularity', () => {
  it('counts distinct training users per item', () => {
    // item0: u0 (twice) and u1 → 2; item1: u0 → 1; items 2, 3: none in training
    expect(Array.from(fitCountPopularity(split).scores)).toEqual([2, 1, 0, 0]);
  });
});

describe('bayes popularity', () => {
  // training ratings: item0 5, 5, 5 (v = 3, R = 5); item1 1 (v = 1, R = 1); C = 16/4 = 4
  it('smooths item means toward the global mean', () => {
    const model = fitBayesPopularity(split, { m: 1, minRatings: 1 });
    // item0: 3/4·5 + 1/4·4 = 4.75; item1: 1/2·1 + 1/2·4 = 2.5; items 2, 3 have no ratings → filtered
    expect(Array.from(model.scores)).toEqual([4.75, 2.5, -Infinity, -Infinity]);
    expect(model.effective).toMatchObject({ m: 1, minRatings: 1, globalMean: 4, ratedItems: 2 });
  });

  it('m = "mean" uses the mean rating count of rated items', () => {
    // mean v = 4 events / 2 rated items = 2; item0: 3/5·5 + 2/5·4 = 4.6; item1: 1/3·1 + 2/3·4 = 3
    const model = fitBayesPopularity(split, { m: 'mean' });
    expect(model.scores[0]).toBeCloseTo(4.6, 6);
    expect(model.scores[1]).toBeCloseTo(3, 6);
    expect(model.effective).toMatchObject({ m: 2 });
  });

  it('filters items under minRatings; minRatings 0 gives unrated items the global mean', () => {
    expect(Array.from(fitBayesPopularity(split, { m: 1, minRatings: 2 }).scores)).toEqual([4.75, -Infinity, -Infinity, -Infinity]);
    expect(fitBayesPopularity(split, { m: 1, minRatings: 0 }).scores[2]).toBe(4);
  });

  it('falls back to the distinct-user count when the log has no ratings, and says so', () => {
    const unrated = splitInteractions({ ...log, rating: null }, { method: 'last1' });
    const model = fitBayesPopularity(unrated, { minRatings: 2 });
    expect(Array.from(model.scores)).toEqual([2, -Infinity, -Infinity, -Infinity]);
    expect(model.effective).toMatchObject({ fallback: 'count' });
  });

  it.each([{ m: -1 }, { m: NaN }, { minRatings: 1.5 }, { minRatings: -1 }])('rejects %j', (params) => {
    expect(() => fitBayesPopularity(split, params)).toThrow(expect.objectContaining({ kind: 'invalid-input' }));
  });
});

describe('popularity persistence and scoring', () => {
  it('ranks recommendable items only, ties by item index', () => {
    expect(Array.from(topItems(fitCountPopularity(split), 10))).toEqual([0, 1, 2, 3]);
    expect(Array.from(topItems(fitBayesPopularity(split, { m: 1 }), 10))).toEqual([0, 1]);
  });

  it('saves scores and top-N as .npy and loads them back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-pop-'));
    const model = fitBayesPopularity(split, { m: 1 });
    savePopularity(dir, model, log.itemIds, 1);
    expect(Array.from(loadNpy(join(dir, 'top.npy')).data)).toEqual([0]);
    expect(readFileSync(join(dir, 'top_items.txt'), 'utf8')).toBe('i0\n');
    const back = loadPopularity(dir);
    expect(back.kind).toBe('bayes');
    expect(back.scores).toEqual(model.scores);
    expect(back.effective).toEqual(model.effective);
  });

  it('scores every user with the same row', () => {
    const scorer = createPopularityScorer(fitCountPopularity(split));
    const out = new Float32Array(2 * scorer.nItems);
    scorer.scoreUsers(Int32Array.from([1, 0]), out);
    expect(Array.from(out)).toEqual([2, 1, 0, 0, 2, 1, 0, 0]);
  });
});
