import type { ModelMetrics, RunManifest, RunSummary } from '../../../main/common/contracts/runs.ts';
import type { BarGroup } from '../../charts/MetricCharts.tsx';

/** Flattens nested params to dotted keys: { als: { factors: 64 } } → { "als.factors": "64" }. */
export function flattenParams(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/** Params whose order carries no meaning: compared as sets. */
const SET_PARAMS = new Set(['stages']);

function withSetsSorted(params: Record<string, string>): Record<string, string> {
  for (const key of SET_PARAMS) {
    const v = params[key];
    if (v !== undefined) params[key] = JSON.stringify((JSON.parse(v) as unknown[]).map(String).sort());
  }
  return params;
}

export interface Difference {
  key: string;
  a: string | undefined;
  b: string | undefined;
}

/** The parameters whose values differ between two runs (missing on one side counts as different). */
export function differingParams(a: unknown, b: unknown): Difference[] {
  const fa = withSetsSorted(flattenParams(a));
  const fb = withSetsSorted(flattenParams(b));
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
  return keys.filter((k) => fa[k] !== fb[k]).map((k) => ({ key: k, a: fa[k], b: fb[k] }));
}

/** The model with the highest value of `metric`, with that value. */
export function bestModel(metrics: Record<string, ModelMetrics>, metric: string): { model: string; value: number } | null {
  let best: { model: string; value: number } | null = null;
  for (const [model, m] of Object.entries(metrics)) {
    const v = m[metric];
    if (v !== undefined && (best === null || v > best.value)) best = { model, value: v };
  }
  return best;
}

export type SortKey = 'createdAt' | 'status' | 'duration' | 'ndcg@10' | 'recall@10';

export function sortValue(run: RunSummary, key: SortKey): number | string {
  switch (key) {
    case 'createdAt':
    case 'status':
      return run[key];
    case 'duration':
      return run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.createdAt) : -1;
    default:
      return bestModel(run.metrics, key)?.value ?? -1;
  }
}

export function sortRuns(runs: RunSummary[], key: SortKey, descending: boolean): RunSummary[] {
  return [...runs].sort((x, y) => {
    const a = sortValue(x, key);
    const b = sortValue(y, key);
    const c = a < b ? -1 : a > b ? 1 : 0;
    return descending ? -c : c;
  });
}

/** Rows for a grouped bar chart of one metric: one group per model, one value per run. */
export function metricBars(runs: { label: string; metrics: Record<string, ModelMetrics> }[], metric: string): BarGroup[] {
  const models = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const rows: BarGroup[] = [];
  for (const model of models) {
    const row: BarGroup = { group: model };
    for (const r of runs) {
      const v = r.metrics[model]?.[metric];
      if (v !== undefined) row[r.label] = v;
    }
    if (Object.keys(row).length > 1) rows.push(row);
  }
  return rows;
}

/**
 * What differs in the data two runs were trained and evaluated on: the dataset (fingerprint and
 * counts) and the split settings and outcome. Metrics of runs that differ here are not comparable.
 */
export function datasetDifferences(a: RunManifest, b: RunManifest): Difference[] {
  const side = (m: RunManifest): Record<string, unknown> => {
    const split = (m.resolvedParams as { split?: unknown } | null)?.split;
    return {
      dataset: m.dataset?.fingerprint ?? null,
      users: m.dataset?.users ?? null,
      items: m.dataset?.items ?? null,
      interactions: m.dataset?.interactions ?? null,
      split: split ?? null,
      'training events': m.split?.trainEvents ?? null,
      'test users': m.split?.testUsers ?? null,
    };
  };
  const sa = side(a);
  const sb = side(b);
  return Object.keys(sa)
    .map((key) => ({ key, a: JSON.stringify(sa[key]), b: JSON.stringify(sb[key]) }))
    .filter((d) => d.a !== d.b);
}

export interface MetricDelta {
  model: string;
  a: number | undefined;
  b: number | undefined;
  /** b − a, when both runs have the model */
  delta: number | undefined;
}

/** One row per model that either run has: its metric in each run and the change from a to b. */
export function metricDeltas(a: Record<string, ModelMetrics>, b: Record<string, ModelMetrics>, metric: string): MetricDelta[] {
  const models = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return models.map((model) => {
    const va = a[model]?.[metric];
    const vb = b[model]?.[metric];
    return { model, a: va, b: vb, delta: va !== undefined && vb !== undefined ? vb - va : undefined };
  });
}
