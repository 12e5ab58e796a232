import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame, axisProps, tooltipProps } from './ChartFrame.tsx';

/** One progress metric of a stage over its steps, e.g. the ALS loss per iteration. */
export function MetricSeriesChart({ stage, metric, points }: { stage: string; metric: string; points: { step: number; value: number }[] }) {
  const last = points.at(-1);
  return (
    <>
      <div className="small muted">
        {stage} · {metric}
      </div>
      <ChartFrame testId={`chart-${metric}-${stage}`} height={200} description={`${stage} ${metric} over ${points.length} steps${last ? `, last ${last.value}` : ''}`}>
      <LineChart data={points} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} {...axisProps} />
        <YAxis domain={['auto', 'auto']} {...axisProps} width={72} />
        <Tooltip {...tooltipProps} />
        <Line dataKey="value" stroke="var(--series-1)" isAnimationActive={false} name={metric} />
      </LineChart>
      </ChartFrame>
    </>
  );
}
