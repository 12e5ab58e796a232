// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../main/engine/contracts/runs.ts';
import { differingParams, metricBars, sortRuns } from '../../renderer/pages/runs/compare.ts';
import { FakeEngine } from '../e2e/support/fake-engine.ts';
import { runDetail, runSummary } from '../e2e/support/fixtures.ts';
import { renderApp } from '../e2e/support/render-app.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function engine(runs: RunSummary[]) {
  return new FakeEngine({
    'jobs.list': () => [],
    'runs.list': () => runs,
    'runs.show': ({ run }) => (run === 'run_a' ? runDetail('run_a', 1, 32) : runDetail('run_b', 2, 64)),
    'runs.promote': ({ run }) => {
      for (const r of runs) r.isLatest = r.runId === run;
      return runs.find((r) => r.runId === run)!;
    },
    'runs.delete': ({ run }) => {
      runs.splice(runs.findIndex((r) => r.runId === run), 1);
      return { deleted: run };
    },
  });
}

const rowIds = () => screen.getAllByTestId('run-row').map((r) => r.getAttribute('data-run-id'));

describe('Runs page', () => {
  it('lists runs and sorts by a metric column both ways', async () => {
    renderApp(engine([runSummary('run_a', 1), runSummary('run_b', 2, { isLatest: true })]), 'runs');
    await screen.findByTestId('runs-table');
    expect(rowIds()).toEqual(['run_b', 'run_a']);
    fireEvent.click(screen.getByTestId('sort-ndcg@10'));
    expect(rowIds()).toEqual(['run_b', 'run_a']);
    fireEvent.click(screen.getByTestId('sort-ndcg@10'));
    expect(rowIds()).toEqual(['run_a', 'run_b']);
    expect(screen.getAllByTestId('latest-badge')).toHaveLength(1);
  });

  it('compares two selected runs: only differing params, metric bars', async () => {
    renderApp(engine([runSummary('run_a', 1), runSummary('run_b', 2)]), 'runs');
    fireEvent.click(await screen.findByTestId('select-run_a'));
    fireEvent.click(screen.getByTestId('select-run_b'));
    const params = await screen.findByTestId('compare-params');
    const rows = within(params).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toEqual(['als.factors3264']);
    for (const metric of ['ndcg@10', 'recall@10']) {
      const chart = screen.getByTestId(`chart-compare-${metric}`);
      await waitFor(() => expect(chart.querySelectorAll('.recharts-bar-rectangle').length).toBe(4));
    }
  });

  it('promotes and deletes, refreshing the table', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const e = engine([runSummary('run_a', 1), runSummary('run_b', 2, { isLatest: true })]);
    renderApp(e, 'runs');
    fireEvent.click(await screen.findByTestId('promote-run_a'));
    await waitFor(() => expect(screen.getByTestId('latest-badge').closest('tr')?.getAttribute('data-run-id')).toBe('run_a'));
    fireEvent.click(screen.getByTestId('delete-run_b'));
    await waitFor(() => expect(rowIds()).toEqual(['run_a']));
  });

  it('has an empty state leading to training', async () => {
    renderApp(engine([]), 'runs');
    expect((await screen.findByTestId('runs-empty')).textContent).toContain('Train the first model');
  });
});

describe('run comparison helpers', () => {
  it('flattens nested params and keeps only differences', () => {
    expect(differingParams({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 1, b: { c: [1, 3] }, e: true })).toEqual([
      { key: 'b.c', a: '[1,2]', b: '[1,3]' },
      { key: 'b.d', a: '"x"', b: undefined },
      { key: 'e', a: undefined, b: 'true' },
    ]);
  });

  it('sorts by duration with unfinished runs last when descending', () => {
    const running = { ...runSummary('run_r', 1), status: 'running' as const, finishedAt: undefined };
    expect(sortRuns([running, runSummary('run_a', 1), runSummary('run_b', 2)], 'duration', true).map((r) => r.runId)).toEqual(['run_b', 'run_a', 'run_r']);
  });

  it('builds bar rows per model for one metric, leaving out models neither run has it for', () => {
    const rows = metricBars([{ label: 'A', metrics: { als: { 'ndcg@10': 0.1 } } }, { label: 'B', metrics: { als: { 'ndcg@10': 0.2 }, pop: { 'ndcg@10': 0.05 }, x: { 'recall@10': 1 } } }], 'ndcg@10');
    expect(rows).toEqual([{ group: 'als', A: 0.1, B: 0.2 }, { group: 'pop', B: 0.05 }]);
  });
});
