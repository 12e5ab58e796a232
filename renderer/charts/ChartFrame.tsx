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
