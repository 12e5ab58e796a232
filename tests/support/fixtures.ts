import type { DatasetProfile } from '../../main/common/contracts/api.ts';
import type { RunDetail, RunMetrics, RunSummary } from '../../main/common/contracts/runs.ts';

export const profileFixture: DatasetProfile = {
  datasetId: 'ds_1',
  fingerprint: 'abc',
  sources: ['interactions.csv'],
  users: 500,
  items: 200,
  interactions: 12_000,
  density: 0.12,
  duplicatesDropped: 3,
  unknownItems: 0,
  perUser: {
    min: 2,
    median: 18,
    mean: 24,
    max: 180,
    histogram: [
      { lo: 2, hi: 4, count: 40 },
      { lo: 4, hi: 8, count: 90 },
      { lo: 8, hi: 16, count: 150 },
      { lo: 16, hi: 32, count: 140 },
      { lo: 32, hi: 256, count: 80 },
    ],
  },
  perItem: {
    min: 1,
    median: 30,
    mean: 60,
    max: 900,
    histogram: [
      { lo: 1, hi: 2, count: 10 },
      { lo: 2, hi: 1024, count: 190 },
    ],
  },
  ratingHistogram: [1, 2, 3, 4, 5].map((value) => ({ value, count: value * 100 })),
  timeRange: { min: '2024-01-01', max: '2024-03-31' },
  popularityCurve: [1, 2, 4, 8, 16, 32, 64, 128, 200].map((rank) => ({ rank, count: Math.round(900 / rank) })),
  activity: Array.from({ length: 30 }, (_, i) => ({ day: `2024-01-${String(i + 1).padStart(2, '0')}`, count: 300 + i * 5 })),
  catalog: { items: 200, columns: ['item', 'title', 'description'] },
};

const ks = [5, 10, 20];
function modelMetrics(scale: number): Record<string, number> {
  const m: Record<string, number> = {};
  for (const k of ks) {
    m[`recall@${k}`] = (scale * Math.log2(1 + k)) / 5;
    m[`ndcg@${k}`] = (scale * Math.log2(1 + k)) / 10;
    m[`precision@${k}`] = scale / k;
  }
  return m;
}

export function metricsFixture(scale = 1): RunMetrics {
  const models = { popularity: modelMetrics(0.3 * scale), als: modelMetrics(0.6 * scale) };
  const intervals: RunMetrics['intervals'] = {};
  for (const [model, m] of Object.entries(models)) {
    intervals[model] = Object.fromEntries(Object.entries(m).map(([name, v]) => [name, [v * 0.9, v * 1.1] as [number, number]]));
  }
  return {
    ks,
    models,
    intervals,
    segments: { als: { light: { 'ndcg@10': 0.1 }, heavy: { 'ndcg@10': 0.3 } }, popularity: { light: { 'ndcg@10': 0.05 }, heavy: { 'ndcg@10': 0.1 } } },
    users: { evaluated: 480, skipped: 20 },
  };
}

export function runSummary(runId: string, scale: number, extra: Partial<RunSummary> = {}): RunSummary {
  const m = metricsFixture(scale).models;
  return {
    runId,
    kind: 'recommender',
    status: 'succeeded',
    createdAt: `2024-05-0${scale === 1 ? 1 : 2}T10:00:00.000Z`,
    finishedAt: `2024-05-0${scale === 1 ? 1 : 2}T10:00:${scale === 1 ? '30' : '45'}.000Z`,
    stages: ['popularity', 'als'],
    isLatest: false,
    metrics: Object.fromEntries(Object.entries(m).map(([model, v]) => [model, { 'ndcg@10': v['ndcg@10']!, 'recall@10': v['recall@10']! }])),
    ...extra,
  };
}

export function runDetail(runId: string, scale: number, factors: number): RunDetail {
  const params = { stages: ['popularity', 'als'], seed: 42, split: { method: 'last1' }, als: { factors, iterations: 15, regularization: 0.01 } };
  return {
    isLatest: false,
    metrics: metricsFixture(scale),
    manifest: {
      runId,
      status: 'succeeded',
      createdAt: '2024-05-01T10:00:00.000Z',
      packageVersion: '0.1.0',
      config: params,
      resolvedParams: params,
      dataset: { id: 'ds_1', fingerprint: 'abc', users: 500, items: 200, interactions: 12_000 },
      split: { method: 'last1', trainEvents: 11_500, testUsers: 480, skippedUsers: 20, repeatOnlyUsers: 0, droppedAfterCutoff: 0 },
      stages: [{ name: 'als', status: 'succeeded', seconds: 1.2 }],
      timings: { als: 1.2 },
    },
  };
}
