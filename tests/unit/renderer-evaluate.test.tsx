// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { metricCurve } from '../../renderer/charts/MetricCharts.tsx';
import { FakeEngine } from '../e2e/support/fake-engine.ts';
import { metricsFixture, runDetail, runSummary } from '../e2e/support/fixtures.ts';
import { renderApp } from '../e2e/support/render-app.tsx';

afterEach(cleanup);

function engine() {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true }), runSummary('run_b', 2)],
    'runs.show': ({ run }) => runDetail(run, run === 'run_a' ? 1 : 2, 64),
    'eval.run': () => metricsFixture(2),
  });
}

describe('Evaluate page', () => {
  it('shows the LATEST run: curves with intervals and the numbers of its metrics.json', async () => {
    renderApp(engine(), 'evaluate');
    const view = await screen.findByTestId('evaluate-metrics');
    expect(view.getAttribute('data-run-id')).toBe('run_a');
    const m = metricsFixture(1);
    for (const model of ['als', 'popularity']) {
      for (const name of ['recall@10', 'ndcg@10']) {
        expect(screen.getByTestId(`metric-${model}-${name}`).textContent).toContain(m.models[model]![name]!.toFixed(4));
      }
    }
    for (const metric of ['recall', 'ndcg']) {
      const chart = screen.getByTestId(`chart-curve-${metric}`);
      await waitFor(() => expect(chart.querySelectorAll('.recharts-line-curve').length).toBe(2));
      expect(chart.querySelectorAll('.recharts-errorBar').length).toBeGreaterThan(0);
    }
    expect(screen.getByTestId('chart-segments')).toBeTruthy();
  });

  it('switches K and re-evaluates on request', async () => {
    const e = engine();
    renderApp(e, 'evaluate/run_a');
    fireEvent.change(await screen.findByTestId('k-picker'), { target: { value: '20' } });
    expect(screen.getByTestId('metric-als-ndcg@20').textContent).toContain(metricsFixture(1).models.als!['ndcg@20']!.toFixed(4));
    fireEvent.click(screen.getByRole('button', { name: 'Re-evaluate' }));
    await waitFor(() => expect(screen.getByTestId('metric-als-ndcg@20').textContent).toContain(metricsFixture(2).models.als!['ndcg@20']!.toFixed(4)));
    expect(e.calls.find((c) => c.name === 'eval.run')?.arg).toEqual({ run: 'run_a' });
  });

  it('overlays another run on the same curves and table', async () => {
    renderApp(engine(), 'evaluate/run_a');
    await screen.findByTestId('evaluate-metrics');
    fireEvent.change(screen.getByTestId('compare-picker'), { target: { value: 'run_b' } });
    const cell = await screen.findByTestId('metric-als · b-ndcg@10');
    expect(cell.textContent).toContain(metricsFixture(2).models.als!['ndcg@10']!.toFixed(4));
    expect(screen.getByTestId('metric-als · a-ndcg@10').textContent).toContain(metricsFixture(1).models.als!['ndcg@10']!.toFixed(4));
    await waitFor(() => expect(screen.getByTestId('chart-curve-ndcg').querySelectorAll('.recharts-line-curve').length).toBe(4));
  });

  it('has an empty state without runs', async () => {
    const e = new FakeEngine({ 'jobs.list': () => [], 'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 2, version: '0' }), 'runs.list': () => [] });
    renderApp(e, 'evaluate');
    expect(await screen.findByTestId('evaluate-empty')).toBeTruthy();
  });
});

describe('metricCurve', () => {
  it('gives one row per K with the mean and the interval as distances to it', () => {
    const m = metricsFixture(1);
    const rows = metricCurve(m, 'ndcg', ['als']);
    expect(rows.map((r) => r.k)).toEqual([5, 10, 20]);
    const mean = m.models.als!['ndcg@10']!;
    expect(rows[1]!.als).toBe(mean);
    const [below, above] = rows[1]!.als_err as [number, number];
    expect(below).toBeCloseTo(mean * 0.1);
    expect(above).toBeCloseTo(mean * 0.1);
  });
});
