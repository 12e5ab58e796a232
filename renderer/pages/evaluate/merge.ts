import type { RunMetrics } from '../../../main/common/contracts/runs.ts';

/** Several runs' metrics as one, models named "<model> · <label>", over the K values they share. */
export function mergeRunMetrics(runs: { label: string; metrics: RunMetrics }[]): RunMetrics {
  const first = runs[0];
  if (!first) throw new Error('mergeRunMetrics needs at least one run');
  const merged: RunMetrics = {
    ks: first.metrics.ks.filter((k) => runs.every((r) => r.metrics.ks.includes(k))),
    models: {},
    intervals: {},
    segments: {},
    users: first.metrics.users,
  };
  for (const { label, metrics } of runs) {
    for (const [model, m] of Object.entries(metrics.models)) merged.models[`${model} · ${label}`] = m;
    for (const [model, m] of Object.entries(metrics.intervals)) merged.intervals[`${model} · ${label}`] = m;
    for (const [model, m] of Object.entries(metrics.segments)) merged.segments[`${model} · ${label}`] = m;
  }
  return merged;
}

export function shortRunLabel(runId: string): string {
  return runId.replace(/^run_/, '');
}
