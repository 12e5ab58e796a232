import { Area, AreaChart, Bar, BarChart, CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetProfile, Distribution } from '../../main/common/contracts/api.ts';
import { ChartFrame, TITLED_MARGIN, axisProps, tooltipProps, xTitle, yTitle } from './ChartFrame.tsx';

export function PopularityChart({ curve }: { curve: DatasetProfile['popularityCurve'] }) {
  const points = curve.filter((p) => p.rank > 0 && p.count > 0);
  return (
    <ChartFrame testId="chart-popularity" description={`Item popularity by rank on log-log axes, ${points.length} points`}>
      <LineChart data={points} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="rank" type="number" scale="log" domain={['auto', 'auto']} allowDataOverflow {...axisProps} label={xTitle('item rank (log)')} />
        <YAxis dataKey="count" type="number" scale="log" domain={['auto', 'auto']} allowDataOverflow {...axisProps} label={yTitle('interactions (log)')} />
        <Tooltip {...tooltipProps} />
        <Line dataKey="count" stroke="var(--series-1)" dot={false} isAnimationActive={false} name="interactions" />
      </LineChart>
    </ChartFrame>
  );
}

export function DistributionChart({ dist, testId, what, unitOf }: { dist: Distribution; testId: string; what: string; unitOf: string }) {
  const data = dist.histogram.map((b) => ({ bucket: b.hi - b.lo <= 1 ? String(b.lo) : `${b.lo}–${b.hi - 1}`, count: b.count }));
  return (
    <ChartFrame testId={testId} description={`${what}: histogram over ${data.length} buckets, median ${dist.median}`}>
      <BarChart data={data} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="bucket" {...axisProps} label={xTitle(what)} />
        <YAxis {...axisProps} allowDecimals={false} label={yTitle(unitOf)} />
        <Tooltip {...tooltipProps} />
        <Bar dataKey="count" fill="var(--series-1)" isAnimationActive={false} name={what} />
      </BarChart>
    </ChartFrame>
  );
}

export function RatingsChart({ histogram }: { histogram: NonNullable<DatasetProfile['ratingHistogram']> }) {
  return (
    <ChartFrame testId="chart-ratings" description={`Ratings histogram over ${histogram.length} values`}>
      <BarChart data={histogram} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="value" {...axisProps} label={xTitle('rating')} />
        <YAxis {...axisProps} allowDecimals={false} label={yTitle('events')} />
        <Tooltip {...tooltipProps} />
        <Bar dataKey="count" fill="var(--series-2)" isAnimationActive={false} name="ratings" />
      </BarChart>
    </ChartFrame>
  );
}

export function ActivityChart({ activity }: { activity: DatasetProfile['activity'] }) {
  return (
    <ChartFrame testId="chart-activity" description={`Interactions per day over ${activity.length} days`}>
      <AreaChart data={activity} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="day" {...axisProps} minTickGap={32} label={xTitle('day')} />
        <YAxis {...axisProps} allowDecimals={false} label={yTitle('interactions / day')} />
        <Tooltip {...tooltipProps} />
        <Area dataKey="count" stroke="var(--series-3)" fill="var(--series-3)" fillOpacity={0.25} isAnimationActive={false} name="interactions" />
      </AreaChart>
    </ChartFrame>
  );
}
