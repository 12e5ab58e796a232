import type { ModelMetrics, RunSummary } from '../../../main/engine/contracts/runs.ts';
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

/** The parameters whose values differ between two runs (missing on one side counts as different). */
export function differingParams(a: unknown, b: unknown): { key: string; a: string | undefined; b: string | undefined }[] {
  const fa = flattenParams(a);
  const fb = flattenParams(b);
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
