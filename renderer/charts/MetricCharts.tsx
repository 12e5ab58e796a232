import { Bar, BarChart, CartesianGrid, ErrorBar, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunMetrics } from '../../main/common/contracts/runs.ts';
import { ChartFrame, TITLED_MARGIN, axisProps, fractionTick, seriesColor, tooltipProps, xTitle, yTitle } from './ChartFrame.tsx';

export interface CurvePoint {
  k: number;
  [series: string]: number | [number, number];
}

/** One row per K; per model the mean and, under `<model>_err`, the interval as distances below/above the mean. */
export function metricCurve(metrics: RunMetrics, metric: string, models: string[]): CurvePoint[] {
  return metrics.ks.map((k) => {
    const row: CurvePoint = { k };
    for (const model of models) {
      const name = `${metric}@${k}`;
      const mean = metrics.models[model]?.[name];
      if (mean === undefined) continue;
      row[model] = mean;
      const ci = metrics.intervals[model]?.[name];
      if (ci) row[`${model}_err`] = [Math.max(0, mean - ci[0]), Math.max(0, ci[1] - mean)];
    }
    return row;
  });
}

/**
 * Series styles when several runs are overlaid ("<model> · <run>"): a model keeps one colour in every
 * run, and the runs differ by line style (solid, dashed, dotted).
 */
export function seriesStyles(series: string[]): { color: string; dash: string | undefined }[] {
  const split = series.map((s) => {
    const at = s.lastIndexOf(' · ');
    return at < 0 ? { model: s, run: '' } : { model: s.slice(0, at), run: s.slice(at + 3) };
  });
  const models = [...new Set(split.map((s) => s.model))];
  const runs = [...new Set(split.map((s) => s.run))];
  const DASHES = [undefined, '6 3', '2 3', '10 3 2 3'];
  return split.map((s) => ({ color: seriesColor(models.indexOf(s.model)), dash: DASHES[runs.indexOf(s.run) % DASHES.length] }));
}

export function MetricCurveChart({ metrics, metric, models }: { metrics: RunMetrics; metric: string; models: string[] }) {
  const data = metricCurve(metrics, metric, models);
  const styles = seriesStyles(models);
  return (
    <ChartFrame testId={`chart-curve-${metric}`} description={`${metric} at K = ${metrics.ks.join(', ')} for ${models.join(', ')}, with 95% intervals`}>
      <LineChart data={data} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="k" type="number" scale="log" domain={['dataMin', 'dataMax']} ticks={metrics.ks} {...axisProps} label={xTitle('K (list length)')} />
        <YAxis {...axisProps} domain={[0, 'auto']} tickFormatter={fractionTick} label={yTitle(`${metric}@K`)} />
        <Tooltip {...tooltipProps} />
        <Legend verticalAlign="top" />
        {models.map((model, i) => (
          <Line key={model} dataKey={model} name={model} stroke={styles[i]!.color} strokeDasharray={styles[i]!.dash} isAnimationActive={false}>
            <ErrorBar dataKey={`${model}_err`} stroke={styles[i]!.color} width={4} />
          </Line>
        ))}
      </LineChart>
    </ChartFrame>
  );
}

export interface BarGroup {
  group: string;
  [series: string]: number | string;
}

/** Grouped bars: one group per row (a model, a segment), one bar per series (runs or models). */
export function MetricBarsChart({
  testId,
  rows,
  series,
  what,
  groups = 'model',
}: {
  testId: string;
  rows: BarGroup[];
  series: string[];
  what: string;
  groups?: string;
}) {
  return (
    <ChartFrame testId={testId} description={`${what} for ${rows.map((r) => r.group).join(', ')}: ${series.join(' and ')}`}>
      <BarChart data={rows} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="group" {...axisProps} label={xTitle(groups)} />
        <YAxis {...axisProps} domain={[0, 'auto']} tickFormatter={fractionTick} label={yTitle(what)} />
        <Tooltip {...tooltipProps} />
        <Legend verticalAlign="top" />
        {series.map((s, i) => (
          <Bar key={s} dataKey={s} name={s} fill={seriesColor(i)} isAnimationActive={false} />
        ))}
      </BarChart>
    </ChartFrame>
  );
}
