// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunSummary } from '../../main/common/contracts/runs.ts';
import { datasetDifferences, differingParams, metricBars, metricDeltas, sortRuns } from '../../renderer/pages/runs/compare.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { runDetail, runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function engine(runs: RunSummary[], details: Record<string, RunDetail> = { run_a: runDetail('run_a', 1, 32), run_b: runDetail('run_b', 2, 64) }) {
  return new FakeEngine({
    'jobs.list': () => [],
    'runs.list': () => runs,
    'runs.show': ({ run }) => details[run]!,
    'runs.promote': ({ run }) => {
      for (const r of runs) r.isLatest = r.runId === run;
      return runs.find((r) => r.runId === run)!;
    },
    'runs.note': ({ run, note }) => {
      const r = runs.find((x) => x.runId === run)!;
      r.note = note;
      return r;
    },
    'runs.delete': ({ run }) => {
      runs.splice(
        runs.findIndex((r) => r.runId === run),
        1,
      );
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
    const rows = within(params)
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.textContent);
    expect(rows).toEqual(['als.factors3264']);
    for (const metric of ['ndcg@10', 'recall@10']) {
      const chart = screen.getByTestId(`chart-compare-${metric}`);
      await waitFor(() => expect(chart.querySelectorAll('.recharts-bar-rectangle').length).toBe(4));
      // both axes carry a title
      expect([...chart.querySelectorAll('.recharts-label')].map((l) => l.textContent)).toEqual(['model', metric]);
    }
  });

  it("shows the change of each model's metric, and says the data is the same", async () => {
    renderApp(engine([runSummary('run_a', 1), runSummary('run_b', 2)]), 'runs');
    fireEvent.click(await screen.findByTestId('select-run_a'));
    fireEvent.click(screen.getByTestId('select-run_b'));
    const deltas = await screen.findByTestId('compare-deltas-ndcg@10');
    const als = within(deltas)
      .getAllByRole('row')
      .find((r) => r.textContent?.startsWith('als'))!;
    const va = runDetail('run_a', 1, 32).metrics!.models.als!['ndcg@10']!;
    const vb = runDetail('run_b', 2, 64).metrics!.models.als!['ndcg@10']!;
    expect(als.textContent).toBe(`als${va.toFixed(4)}${vb.toFixed(4)}+${(vb - va).toFixed(4)}`);
    expect(screen.getByTestId('compare-same-data')).toBeTruthy();
    expect(screen.queryByTestId('compare-data-differs')).toBeNull();
  });

  it('warns first when two runs were trained on different data, and compares stage lists as sets', async () => {
    const small = runDetail('run_a', 1, 32);
    const big = runDetail('run_b', 1, 32);
    big.manifest.dataset = { id: 'ds_2', fingerprint: 'def', users: 20_000, items: 200, interactions: 120_000 };
    (big.manifest.resolvedParams as { stages: string[] }).stages = ['als', 'popularity'];
    renderApp(engine([runSummary('run_a', 1), runSummary('run_b', 1)], { run_a: small, run_b: big }), 'runs');
    fireEvent.click(await screen.findByTestId('select-run_a'));
    fireEvent.click(screen.getByTestId('select-run_b'));
    const warning = await screen.findByTestId('compare-data-differs');
    expect(warning.textContent).toMatch(/not comparable/);
    const rows = within(screen.getByTestId('compare-data'))
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.firstChild?.textContent);
    expect(rows).toEqual(['dataset', 'users', 'interactions']);
    expect(screen.getByTestId('compare-no-diff')).toBeTruthy();
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

  it('shows why a run was interrupted and lets it be deleted; a running run cannot be deleted', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const message = 'interrupted: the process that ran it (pid 4242) ended before the run finished (killed, crashed or shut down)';
    const interrupted = runSummary('run_a', 1, { status: 'interrupted', error: { kind: 'worker-crashed', message } });
    const { finishedAt: _, ...running } = runSummary('run_b', 2, { status: 'running' });
    renderApp(engine([interrupted, running]), 'runs');
    const row = (await screen.findByTestId('delete-run_a')).closest('tr')!;
    expect(within(row).getByText('interrupted').className).toBe('badge interrupted');
    expect(row.textContent).toContain(message);
    expect((screen.getByTestId('delete-run_b') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('delete-run_a'));
    await waitFor(() => expect(rowIds()).toEqual(['run_b']));
  });

  it('hides failed attempts until asked, names the best model and the data, and adds a note', async () => {
    vi.spyOn(window, 'prompt').mockReturnValue('baseline for the Q3 data');
    const runs = [
      runSummary('run_a', 1, { dataset: { id: 'ds_1', fingerprint: 'abc', users: 2000, items: 500, interactions: 60_000 } }),
      runSummary('run_b', 2, { status: 'failed', error: { kind: 'invalid-input', message: 'bad file' } }),
    ];
    const e = engine(runs);
    renderApp(e, 'runs');
    await screen.findByTestId('runs-table');
    expect(rowIds()).toEqual(['run_a']);
    fireEvent.click(screen.getByTestId('show-unsucceeded'));
    expect(rowIds()).toEqual(['run_b', 'run_a']);
    expect(screen.getByTestId('data-run_a').textContent).toBe('2,000 users · 500 items · 60,000 events');
    const row = screen.getAllByTestId('run-row').find((r) => r.getAttribute('data-run-id') === 'run_a')!;
    expect(row.textContent).toContain('als');
    fireEvent.click(screen.getByTestId('edit-note-run_a'));
    await waitFor(() => expect(e.calls.find((c) => c.name === 'runs.note')?.arg).toEqual({ run: 'run_a', note: 'baseline for the Q3 data' }));
    expect((await screen.findByTestId('note-run_a')).textContent).toContain('baseline for the Q3 data');
  });

  it('compares two runs at a time: a third box is disabled, not silently swapped', async () => {
    renderApp(engine([runSummary('run_a', 1), runSummary('run_b', 2), runSummary('run_c', 2)]), 'runs');
    fireEvent.click(await screen.findByTestId('select-run_a'));
    fireEvent.click(screen.getByTestId('select-run_b'));
    const third = screen.getByTestId('select-run_c') as HTMLInputElement;
    expect(third.disabled).toBe(true);
    expect(third.title).toMatch(/two runs/i);
    fireEvent.click(screen.getByTestId('select-run_a'));
    expect(third.disabled).toBe(false);
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

  it('compares stage lists as sets and finds dataset and split differences', () => {
    expect(differingParams({ stages: ['als', 'popularity'] }, { stages: ['popularity', 'als'] })).toEqual([]);
    expect(differingParams({ stages: ['als'] }, { stages: ['popularity', 'als'] })).toHaveLength(1);
    const a = runDetail('run_a', 1, 32).manifest;
    const b = runDetail('run_b', 1, 32).manifest;
    expect(datasetDifferences(a, b)).toEqual([]);
    b.resolvedParams = { ...(b.resolvedParams as object), split: { method: 'lastpct:0.2' } };
    b.split = { ...b.split!, testUsers: 400 };
    expect(datasetDifferences(a, b).map((d) => d.key)).toEqual(['split', 'test users']);
  });

  it("lists each model's metric in both runs with the change", () => {
    const [als, pop] = metricDeltas({ als: { m: 0.1 } }, { als: { m: 0.25 }, pop: { m: 0.05 } }, 'm');
    expect(als).toMatchObject({ model: 'als', a: 0.1, b: 0.25 });
    expect(als!.delta).toBeCloseTo(0.15, 12);
    expect(pop).toEqual({ model: 'pop', a: undefined, b: 0.05, delta: undefined });
  });

  it('builds bar rows per model for one metric, leaving out models neither run has it for', () => {
    const rows = metricBars(
      [
        { label: 'A', metrics: { als: { 'ndcg@10': 0.1 } } },
        { label: 'B', metrics: { als: { 'ndcg@10': 0.2 }, pop: { 'ndcg@10': 0.05 }, x: { 'recall@10': 1 } } },
      ],
      'ndcg@10',
    );
    expect(rows).toEqual([
      { group: 'als', A: 0.1, B: 0.2 },
      { group: 'pop', B: 0.05 },
    ]);
  });
});
