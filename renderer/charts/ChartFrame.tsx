import type { ReactElement } from 'react';
import { ResponsiveContainer } from 'recharts';

export const SERIES_COLORS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)', 'var(--series-5)'];

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? 'var(--accent)';
}

export const axisProps = { stroke: 'var(--muted)', tick: { fill: 'var(--muted)', fontSize: 12 } } as const;
export const tooltipProps = {
  contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' },
  labelStyle: { color: 'var(--text)' },
} as const;

/** An axis title under the x axis. */
export function xTitle(value: string) {
  return { value, position: 'insideBottom', offset: -12, fill: 'var(--muted)', fontSize: 12 } as const;
}

/** An axis title along the y axis. */
export function yTitle(value: string) {
  return { value, angle: -90, position: 'insideLeft', style: { textAnchor: 'middle' }, fill: 'var(--muted)', fontSize: 12 } as const;
}

/** Ticks for values in [0, 1] (metrics): no more decimals than they need. */
export function fractionTick(v: number): string {
  return Number(v.toFixed(3)).toString();
}

/** Room for axis titles: below the x axis and left of the y axis. */
export const TITLED_MARGIN = { top: 8, right: 16, bottom: 24, left: 16 } as const;

/** A titled, sized chart; `description` is read by screen readers in place of the SVG. */
export function ChartFrame({ testId, description, height = 260, children }: { testId: string; description: string; height?: number; children: ReactElement }) {
  return (
    <figure data-testid={testId} style={{ margin: 0 }}>
      <figcaption className="sr-only">{description}</figcaption>
      <div aria-hidden="true">
        <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 480, height }}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
