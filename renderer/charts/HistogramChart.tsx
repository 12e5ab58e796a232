import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistogramBin } from '../pages/evaluate/per-user.ts';
import { ChartFrame, TITLED_MARGIN, axisProps, tooltipProps, xTitle, yTitle } from './ChartFrame.tsx';

export function HistogramChart({ bins, testId, what }: { bins: HistogramBin[]; testId: string; what: string }) {
  const total = bins.reduce((s, b) => s + b.count, 0);
  return (
    <ChartFrame testId={testId} description={`${what}: histogram of ${total} users over ${bins.length} bins`}>
      <BarChart data={bins} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="label" {...axisProps} label={xTitle(what)} />
        <YAxis {...axisProps} allowDecimals={false} label={yTitle('users')} />
        <Tooltip {...tooltipProps} />
        <Bar dataKey="count" fill="var(--series-1)" isAnimationActive={false} name="users" />
      </BarChart>
    </ChartFrame>
  );
}
