import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfidenceBin } from '../../main/common/contracts/runs.ts';
import { ChartFrame, TITLED_MARGIN, axisProps, tooltipProps, xTitle, yTitle } from './ChartFrame.tsx';

/** Rows are true labels, columns predicted labels; cell shade is the share of its row. */
export function ConfusionHeatmap({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  return (
    <table className="heatmap" data-testid="confusion-heatmap" aria-label="Confusion matrix: rows are true labels, columns predicted labels">
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((l, i) => {
          const row = matrix[i] ?? [];
          const total = row.reduce((a, b) => a + b, 0) || 1;
          return (
            <tr key={l}>
              <th scope="row">{l}</th>
              {labels.map((p, j) => {
                const v = row[j] ?? 0;
                const share = v / total;
                const color = i === j ? 'var(--ok)' : 'var(--danger)';
                return (
                  <td key={p} style={{ background: `color-mix(in srgb, ${color} ${Math.round(share * 80)}%, transparent)` }} title={`${l} → ${p}: ${v}`}>
                    {v}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Predicted-class confidence of the test set: the majority-class baseline beside the trained model, right and wrong stacked. */
export function ConfidenceChart({ before, after }: { before: ConfidenceBin[]; after: ConfidenceBin[] }) {
  const data = after.map((b, i) => ({
    bin: `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`,
    beforeCorrect: before[i]?.correct ?? 0,
    beforeWrong: before[i]?.wrong ?? 0,
    afterCorrect: b.correct,
    afterWrong: b.wrong,
  }));
  return (
    <ChartFrame testId="chart-confidence" description={`Confidence histogram over ${data.length} bins, before and after training, right and wrong predictions`}>
      <BarChart data={data} margin={TITLED_MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="bin" {...axisProps} label={xTitle('confidence of the predicted class')} />
        <YAxis {...axisProps} allowDecimals={false} label={yTitle('test texts')} />
        <Tooltip {...tooltipProps} />
        <Legend verticalAlign="top" />
        <Bar dataKey="beforeCorrect" stackId="before" name="baseline: right" fill="var(--series-2)" isAnimationActive={false} />
        <Bar dataKey="beforeWrong" stackId="before" name="baseline: wrong" fill="var(--series-5)" fillOpacity={0.5} isAnimationActive={false} />
        <Bar dataKey="afterCorrect" stackId="after" name="trained: right" fill="var(--series-1)" isAnimationActive={false} />
        <Bar dataKey="afterWrong" stackId="after" name="trained: wrong" fill="var(--series-5)" isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
