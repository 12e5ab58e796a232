import { describe, expect, it } from 'vitest';
import { catalogProfile, distribution, profileDataset, tallyTable } from '../../main/engine/data/profile.ts';
import type { InteractionTable } from '../../main/engine/data/types.ts';

const DAY = 86_400;

function table(events: [number, number, number, number][], users: number, items: number): InteractionTable {
  return {
    userIds: Array.from({ length: users }, (_, k) => `u${k}`),
    itemIds: Array.from({ length: items }, (_, k) => `i${k}`),
    user: Int32Array.from(events.map((e) => e[0])),
    item: Int32Array.from(events.map((e) => e[1])),
    rating: Float32Array.from(events.map((e) => e[2])),
    ts: Float64Array.from(events.map((e) => e[3])),
  };
}

describe('distribution', () => {
  it('summarises counts with log2 buckets and a bucket for zeros', () => {
    const d = distribution(Int32Array.from([0, 1, 1, 2, 3, 4, 9]));
    expect(d).toMatchObject({ min: 0, max: 9, median: 2 });
    expect(d.mean).toBeCloseTo(20 / 7);
    expect(d.histogram).toEqual([
      { lo: 0, hi: 1, count: 1 },
      { lo: 1, hi: 2, count: 2 },
      { lo: 2, hi: 4, count: 2 },
      { lo: 4, hi: 8, count: 1 },
      { lo: 8, hi: 16, count: 1 },
    ]);
  });
});

describe('profileDataset', () => {
  const t0 = Date.UTC(2024, 0, 1) / 1e3;
  const t = table(
    [
      [0, 0, 5, t0],
      [0, 1, 4, t0 + 100],
      [1, 0, 5, t0 + DAY],
      [2, 0, 1, t0 + 2 * DAY + 5],
    ],
    3,
    4,
  );
  const p = profileDataset({
    datasetId: '1',
    fingerprint: 'f',
    sources: ['a.csv'],
    events: tallyTable(t, 4),
    itemCount: 4,
    duplicatesDropped: 2,
    unknownItems: 1,
    catalog: null,
  });

  it('counts users, items, events and density over the whole item space', () => {
    expect(p).toMatchObject({ users: 3, items: 4, interactions: 4, duplicatesDropped: 2, unknownItems: 1 });
    expect(p.density).toBeCloseTo(4 / 12);
    expect(p.perItem.histogram[0]).toEqual({ lo: 0, hi: 1, count: 2 });
  });

  it('has rating counts, time range, daily activity and the popularity curve', () => {
    expect(p.ratingHistogram).toEqual([
      { value: 1, count: 1 },
      { value: 4, count: 1 },
      { value: 5, count: 2 },
    ]);
    expect(p.timeRange).toEqual({ min: '2024-01-01T00:00:00.000Z', max: '2024-01-03T00:00:05.000Z' });
    expect(p.activity).toEqual([
      { day: '2024-01-01', count: 2 },
      { day: '2024-01-02', count: 1 },
      { day: '2024-01-03', count: 1 },
    ]);
    expect(p.popularityCurve).toEqual([
      { rank: 1, count: 3 },
      { rank: 2, count: 1 },
    ]);
  });

  const spread = (daysApart: number) => {
    const events: [number, number, number, number][] = Array.from({ length: 400 }, (_, k) => [k % 7, k % 11, k / 400, t0 + k * daysApart * DAY]);
    return profileDataset({
      datasetId: '2',
      fingerprint: 'f',
      sources: [],
      events: tallyTable(table(events, 7, 11), 11),
      itemCount: 11,
      duplicatesDropped: 0,
      unknownItems: 0,
      catalog: null,
    });
  };

  it('bins many distinct ratings', () => {
    const q = spread(1);
    expect(q.ratingHistogram).toHaveLength(20);
    expect(q.ratingHistogram!.reduce((a, b) => a + b.count, 0)).toBe(400);
  });

  it('buckets long spans by week (Mondays), then by month', () => {
    const weekly = spread(10);
    expect(weekly.activity.every((a) => new Date(a.day).getUTCDay() === 1)).toBe(true);
    expect(weekly.activity.reduce((a, b) => a + b.count, 0)).toBe(400);
    const monthly = spread(30);
    expect(monthly.activity.every((a) => a.day.endsWith('-01'))).toBe(true);
    expect(monthly.activity.reduce((a, b) => a + b.count, 0)).toBe(400);
  });

  it('describes a catalog-only dataset', () => {
    const c = profileDataset({
      datasetId: '3',
      fingerprint: 'f',
      sources: [],
      events: null,
      itemCount: 5,
      duplicatesDropped: 0,
      unknownItems: 0,
      catalog: { items: 5, columns: ['id'] },
    });
    expect(c).toMatchObject({ users: 0, items: 5, interactions: 0, density: 0, ratingHistogram: null, timeRange: null, activity: [], popularityCurve: [] });
  });

  it('counts catalogue items per category, most first, when the catalogue has a category column', () => {
    const rows = ['jazz', 'space', 'jazz', '', 'space', 'jazz'].map((category, i) => ({ id: `i${i}`, category }));
    expect(catalogProfile({ idColumn: 'id', columns: ['id', 'category'], rows })).toEqual({
      items: 6,
      columns: ['id', 'category'],
      categories: [
        { name: 'jazz', items: 3 },
        { name: 'space', items: 2 },
      ],
      categoryCount: 2,
    });
    expect(catalogProfile({ idColumn: 'id', columns: ['id'], rows: [{ id: 'a' }] })).toEqual({ items: 1, columns: ['id'] });
  });
});
