import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { stageLabel } from '../state/stage-labels.ts';
import { ChartFrame, TITLED_MARGIN, axisProps, tooltipProps, xTitle, yTitle } from './ChartFrame.tsx';

/** One progress metric of a stage over its steps, e.g. the ALS loss per iteration. */
export function MetricSeriesChart({
  stage,
  metric,
  points,
  unit = 'step',
}: {
  stage: string;
  metric: string;
  points: { step: number; value: number }[];
  unit?: string;
}) {
  const last = points.at(-1);
  return (
    <>
      <div className="small muted">
        {stageLabel(stage)} · {metric}
      </div>
      <ChartFrame
        testId={`chart-${metric}-${stage}`}
        height={200}
        description={`${stageLabel(stage)} ${metric} over ${points.length} steps${last ? `, last ${last.value}` : ''}`}
      >
        <LineChart data={points} margin={TITLED_MARGIN}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} {...axisProps} label={xTitle(unit)} />
          <YAxis
            domain={['auto', 'auto']}
            {...axisProps}
            width={72}
            tickFormatter={(v: number) => Number(v.toPrecision(3)).toString()}
            label={yTitle(metric)}
          />
          <Tooltip {...tooltipProps} />
          <Line dataKey="value" stroke="var(--series-1)" isAnimationActive={false} name={metric} />
        </LineChart>
      </ChartFrame>
    </>
  );
}
