// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metricCurve, seriesStyles } from '../../renderer/charts/MetricCharts.tsx';
import { histogram, metricColumns, numericColumn, parseCsv, summarize } from '../../renderer/pages/evaluate/per-user.ts';
import { effectiveEntries, fallbackNotes } from '../../renderer/pages/evaluate/stage-effective.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { METRIC_DEFINITIONS } from '../../main/engine/eval/metric-definitions.ts';
import type { RunDetail } from '../../main/common/contracts/runs.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { metricsFixture, runDetail, runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const PER_USER_COLUMNS = ['user', 'n_test', 'n_train', 'segment', 'ndcg@10', 'recall@10'];

/** Per-user rows whose ndcg@10 mean is 0.48 for als and 0.24 for popularity; one user id needs quoting. */
function perUserCsv(model: string): string {
  const scale = model === 'als' ? 1 : 0.5;
  const rows = [
    ['"user, quoted"', 1, 9, 'light', 0, 0],
    ['u2', 1, 12, 'light', 0.4 * scale, 1],
    ['u3', 2, 30, 'heavy', 0.6 * scale, 0.5],
    ['u4', 1, 40, 'heavy', 1 * scale, 1],
    ['u5', 1, 8, 'light', 0.4 * scale, 1],
  ];
  return [PER_USER_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

function engine(show: (run: string) => RunDetail = (run) => runDetail(run, run === 'run_a' ? 1 : 2, 64)) {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true }), runSummary('run_b', 2)],
    'runs.show': ({ run }) => show(run),
    'eval.run': () => metricsFixture(2),
    'eval.perUser': ({ run, model }) => ({ run, model, columns: PER_USER_COLUMNS, csv: perUserCsv(model) }),
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
    // each model explains itself on hover
    expect(screen.getByTestId('metric-popularity-ndcg@10').closest('tr')!.querySelector('td')!.getAttribute('title')).toMatch(/most interactions/);
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

  it('draws the per-user distribution of a picked model and metric', async () => {
    const e = engine();
    renderApp(e, 'evaluate/run_a');
    const summary = await screen.findByTestId('per-user-summary');
    expect(e.calls.find((c) => c.name === 'eval.perUser')?.arg).toEqual({ run: 'run_a', model: 'als' });
    expect(Number(summary.getAttribute('data-mean'))).toBeCloseTo(0.48);
    expect(summary.getAttribute('data-users')).toBe('5');
    expect(summary.textContent).toContain('1 users at 0');
    const chart = screen.getByTestId('chart-per-user-metric');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0));

    fireEvent.change(screen.getByTestId('per-user-metric'), { target: { value: 'recall@10' } });
    await waitFor(() => expect(Number(screen.getByTestId('per-user-summary').getAttribute('data-mean'))).toBeCloseTo(0.7));
    fireEvent.change(screen.getByTestId('per-user-model'), { target: { value: 'popularity' } });
    await waitFor(() => expect(e.calls.some((c) => c.name === 'eval.perUser' && (c.arg as { model: string }).model === 'popularity')).toBe(true));
    fireEvent.change(screen.getByTestId('per-user-metric'), { target: { value: 'ndcg@10' } });
    await waitFor(() => expect(Number(screen.getByTestId('per-user-summary').getAttribute('data-mean'))).toBeCloseTo(0.24));
  });

  it('exports the per-user CSV as a file download', async () => {
    const blobs: Blob[] = [];
    const downloads: string[] = [];
    Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:per-user'), revokeObjectURL: () => {} });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push(`${this.download} ${this.href}`);
    });
    renderApp(engine(), 'evaluate/run_a');
    await screen.findByTestId('per-user-summary');
    fireEvent.click(screen.getByTestId('per-user-export'));
    expect(downloads).toEqual(['run_a-als-per_user.csv blob:per-user']);
    expect(await blobs[0]!.text()).toBe(perUserCsv('als'));
    expect(blobs[0]!.type).toBe('text/csv');
  });

  it('shows why a model has no per-user results', async () => {
    const e = new FakeEngine({
      'jobs.list': () => [],
      'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
      'runs.list': () => [runSummary('run_a', 1, { isLatest: true })],
      'runs.show': ({ run }) => runDetail(run, 1, 64),
      'eval.perUser': ({ run }) => {
        throw new EngineError('not-found', `run ${run} has no per-user results for model "als"`);
      },
    });
    renderApp(e, 'evaluate/run_a');
    const card = await screen.findByTestId('per-user');
    await waitFor(() => expect(card.textContent).toContain('has no per-user results for model "als"'));
    expect((screen.getByTestId('per-user-export') as HTMLButtonElement).disabled).toBe(true);
  });

  it("lists a run's stages with what really ran, and says where it fell back", async () => {
    const semantic = {
      name: 'semantic',
      status: 'succeeded' as const,
      seconds: 3.5,
      effective: {
        items: 1200,
        provider: 'transformers',
        model: 'all-MiniLM-L6-v2',
        device: 'cpu',
        requestedDevice: 'cuda',
        store: { kind: 'vec', factory: null, fallbackFrom: { kind: 'vss', reason: 'loading vss0.so failed (libgomp.so.1: cannot open shared object file)' } },
      },
    };
    const catalogueOnly = { ...runDetail('run_c', 1, 64), metrics: null };
    catalogueOnly.manifest.stages = [semantic, { name: 'popularity', status: 'cached', cachedFrom: 'run_a', effective: { kind: 'count' } }];
    renderApp(
      engine(() => catalogueOnly),
      'evaluate/run_c',
    );
    await screen.findByTestId('run-stages');
    expect(screen.getByText('This run has no metrics')).toBeTruthy();
    const row = screen.getByTestId('stage-semantic');
    expect(screen.getAllByTestId('stage-fallback').map((n) => n.textContent)).toEqual([
      'asked for device cuda, ran on cpu',
      'the vss vector store could not be used (loading vss0.so failed (libgomp.so.1: cannot open shared object file)); used vec',
    ]);
    expect(row.textContent).toContain('store.kind: vec');
    expect(row.textContent).toContain('3.5');
    expect(screen.getByTestId('stage-popularity').textContent).toContain('from run_a');
  });

  it('shows the split: tie rule, seed and the users whose boundary fell inside a tie', async () => {
    const tied = runDetail('run_a', 1, 64);
    tied.manifest.split = { ...tied.manifest.split!, ties: 'random', seed: 42, tiedBoundaryUsers: 415 };
    renderApp(
      engine(() => tied),
      'evaluate/run_a',
    );
    const card = await screen.findByTestId('run-split');
    expect(screen.getByTestId('split-ties').textContent).toBe('random, seed 42');
    expect(screen.getByTestId('split-users-whose-boundary-fell-inside-a-tie').textContent).toBe('415');
    expect(card.textContent).toContain('last1');
  });

  it("shows an outside model beside the run's models, with the counts of its file", async () => {
    const withOutside = runDetail('run_a', 1, 64);
    const metrics = withOutside.metrics!;
    metrics.models['external:tool'] = { ...metrics.models.als!, 'ndcg@10': 0.0421 };
    metrics.external = {
      'external:tool': {
        file: 'tool.csv',
        sha256: 'ab'.repeat(32),
        order: 'rank',
        rows: 9_990,
        users: 501,
        k: 100,
        unknownUsers: { users: 1, rows: 10, examples: ['ghost'] },
        unknownItems: { rows: 3, examples: ['nope'] },
        notTestUsers: { users: 20, rows: 2_000 },
        duplicates: 4,
        seenItems: 17,
        beyondK: 0,
        missingUsers: 2,
        shortLists: 6,
      },
    };
    renderApp(
      engine(() => withOutside),
      'evaluate/run_a',
    );
    expect((await screen.findByTestId('metric-external:tool-ndcg@10')).textContent).toContain('0.0421');
    const row = screen.getByTestId('outside-external:tool');
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent);
    expect(cells[0]).toBe('external:tool');
    expect(cells[1]).toContain('tool.csv');
    // rows, unknown users, unknown items, users without test items, duplicates, seen, past K, without a list, short
    expect(cells.slice(2)).toEqual(['9,990', '1', '3', '20', '4', '17', '0', '2', '6']);
  });

  it('explains each metric on hover, and under last1 shows MRR and HitRate once, as MAP and Recall', async () => {
    const detail = runDetail('run_a', 1, 64);
    for (const m of Object.values(detail.metrics!.models)) Object.assign(m, { 'map@10': 0.2, 'mrr@10': 0.2, 'hitrate@10': m['recall@10'] });
    const e = engine(() => detail);
    const withDefinitions = new FakeEngine({
      ...Object.fromEntries(['jobs.list', 'workspace.info', 'runs.list', 'runs.show', 'eval.perUser'].map((n) => [n, (a: never) => e.request(n as never, a)])),
      'eval.definitions': () => METRIC_DEFINITIONS.map((d) => ({ ...d })),
    });
    renderApp(withDefinitions, 'evaluate/run_a');
    const header = await screen.findByTestId('column-ndcg@10', {}, { timeout: 5000 });
    await waitFor(() => expect(header.getAttribute('title')).toMatch(/^NDCG@K: Σ_\{r≤K\} hit\(r\)\/log2\(r\+1\)/));
    const columns = [...screen.getByTestId('metrics-table').querySelectorAll('th')].map((th) => th.textContent);
    expect(columns).toEqual(['model', 'recall@10', 'ndcg@10', 'precision@10', 'map@10']);
    expect(screen.queryByTestId('metric-als-hitrate@10')).toBeNull();
    expect(screen.getByTestId('metrics-same-note').textContent).toBe(
      'Every user has one test item under last1, so MRR@K equals MAP@K and HitRate@K equals Recall@K: each is shown once.',
    );
  });

  it('scores an uploaded recommendations file on the run and shows the outside model with its counts', async () => {
    const scored = metricsFixture(1);
    scored.models['external:tool'] = { ...scored.models.als! };
    scored.external = {
      'external:tool': {
        file: 'tool.csv',
        sha256: '00'.repeat(32),
        order: 'score',
        rows: 12,
        users: 3,
        k: 100,
        unknownUsers: { users: 0, rows: 0, examples: [] },
        unknownItems: { rows: 2, examples: ['x'] },
        notTestUsers: { users: 0, rows: 0 },
        duplicates: 0,
        seenItems: 1,
        beyondK: 0,
        missingUsers: 477,
        shortLists: 3,
      },
    };
    const base = engine();
    const e = new FakeEngine({
      ...Object.fromEntries(
        ['jobs.list', 'workspace.info', 'runs.list', 'runs.show', 'eval.perUser'].map((n) => [n, (a: never) => base.request(n as never, a)]),
      ),
      'eval.run': () => scored,
    });
    renderApp(e, 'evaluate/run_a');
    const score = (await screen.findByTestId('outside-score', {}, { timeout: 5000 })) as HTMLButtonElement;
    expect(score.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('outside-file-input'), { target: { files: [new File(['user,item,score\n'], 'tool.csv')] } });
    await waitFor(() => expect(screen.getByTestId('outside-file').textContent).toBe('tool.csv'));
    fireEvent.change(screen.getByTestId('outside-name'), { target: { value: 'tool' } });
    fireEvent.click(score);
    const row = await screen.findByTestId('outside-external:tool', {}, { timeout: 5000 });
    expect(e.calls.find((c) => c.name === 'eval.run')?.arg).toEqual({ run: 'run_a', recommendations: 'uploads/tool.csv', name: 'tool' });
    expect([...row.querySelectorAll('td')].map((td) => td.textContent).slice(2)).toEqual(['12', '0', '2', '0', '0', '1', '0', '477', '3']);
    expect(screen.getByTestId('metric-external:tool-ndcg@10').textContent).toContain(scored.models.als!['ndcg@10']!.toFixed(4));
  });

  it('has an empty state without runs', async () => {
    const e = new FakeEngine({
      'jobs.list': () => [],
      'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 2, version: '0' }),
      'runs.list': () => [],
    });
    renderApp(e, 'evaluate');
    expect(await screen.findByTestId('evaluate-empty')).toBeTruthy();
  });
});

describe('per-user helpers', () => {
  it('parse quoted CSV cells, numeric columns and the metric columns', () => {
    const rows = parseCsv(perUserCsv('als'));
    expect(rows[1]![0]).toBe('user, quoted');
    expect(parseCsv('a,"b ""c""\nd"\r\n1,2')).toEqual([
      ['a', 'b "c"\nd'],
      ['1', '2'],
    ]);
    expect(numericColumn(rows, 'recall@10')).toEqual([0, 1, 0.5, 1, 1]);
    expect(numericColumn(rows, 'missing')).toEqual([]);
    expect(metricColumns(PER_USER_COLUMNS)).toEqual(['ndcg@10', 'recall@10']);
    expect(metricColumns([...PER_USER_COLUMNS, 'test_items', 'top_items'])).toEqual(['ndcg@10', 'recall@10']);
  });

  it('bin values into exactly 0, then (lo, hi] over (0, 1], and summarize them', () => {
    const bins = histogram([0, 0, 0.05, 0.1, 0.5, 0.99, 1], 10);
    expect(bins).toHaveLength(11);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 0, 0, 0, 1, 0, 0, 0, 0, 2]);
    expect(bins.slice(0, 2).map((b) => b.label)).toEqual(['0', '0.0–0.1']);
    expect(histogram([3], 2).map((b) => [b.lo, b.hi, b.count])).toEqual([
      [0, 0, 0],
      [0, 1.5, 0],
      [1.5, 3, 1],
    ]);
    expect(summarize([0, 1, 0.5, 0.25])).toEqual({ n: 4, mean: 0.4375, median: 0.375, zeros: 1 });
    expect(summarize([])).toBeNull();
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

describe('stage effective records', () => {
  it('flattens nested records to dotted keys, rounds fractions, joins arrays, drops nulls and shortens long values', () => {
    const entries = effectiveEntries({
      provider: 'builtin',
      dims: 128,
      mean: 3.178103448275862,
      store: { kind: 'vss', factory: 'Flat,IDMap2', shards: 2, extra: null },
      eps: ['cpu', 'cuda'],
      reason: 'x'.repeat(200),
    });
    expect(entries.slice(0, 7)).toEqual([
      { key: 'provider', value: 'builtin' },
      { key: 'dims', value: '128' },
      { key: 'mean', value: '3.178' },
      { key: 'store.kind', value: 'vss' },
      { key: 'store.factory', value: 'Flat,IDMap2' },
      { key: 'store.shards', value: '2' },
      { key: 'eps', value: 'cpu, cuda' },
    ]);
    expect(entries[7]!.value).toHaveLength(80);
    expect(effectiveEntries(undefined)).toEqual([]);
  });

  it('names fallbacks only where they happened', () => {
    expect(fallbackNotes({ name: 'als', status: 'succeeded', effective: { factors: 64 } })).toEqual([]);
    expect(
      fallbackNotes({
        name: 'bayes-popularity',
        status: 'succeeded',
        effective: { kind: 'bayes', fallback: 'count', reason: 'the interaction log has no ratings' },
      }),
    ).toEqual(['fell back to count: the interaction log has no ratings']);
  });
});

describe('Evaluate page: tuning', () => {
  it('shows every trial of a tuned run with the best marked, and trains again with its settings', async () => {
    const tuned = (run: string): RunDetail => {
      const detail = runDetail(run, 1, 32);
      const trials = [
        { stage: 'als', trial: 1, params: { factors: 64, alpha: 40 }, ndcg10: 0.02, recall10: 0.05, seconds: 1 },
        { stage: 'als', trial: 2, params: { factors: 32, alpha: 4 }, ndcg10: 0.04, recall10: 0.09, seconds: 1.5 },
        { stage: 'als', trial: 3, params: { factors: 128, alpha: 1 }, ndcg10: 0.03, recall10: 0.07, seconds: 2 },
      ];
      detail.manifest.tuning = {
        stages: ['als'],
        trialsPerStage: 3,
        validation: { method: 'last1', users: 450, trainEvents: 11_000 },
        best: { als: { trial: 2, params: { factors: 32, alpha: 4 }, ndcg10: 0.04, recall10: 0.09 } },
        trials,
        ranges: {
          als: [
            { key: 'factors', low: 8, high: 256, log: true },
            { key: 'alpha', low: 0.5, high: 100, log: true },
          ],
        },
      };
      return detail;
    };
    renderApp(engine(tuned), 'evaluate/run_a');
    const card = await screen.findByTestId('tuning');
    expect(card.textContent).toContain('450 validation users');
    const rows = [...screen.getByTestId('tuning-trials-als').querySelectorAll('tbody tr')].map((r) => r.textContent);
    expect(rows).toEqual(['1 (given)64400.02000.05001.0 s', '2 ★3240.04000.09001.5 s', '312810.03000.07002.0 s']);
    for (const id of ['als-by-trial', 'als-factors', 'als-alpha']) expect(screen.getByTestId(`chart-tuning-${id}`)).toBeTruthy();
    fireEvent.click(screen.getByTestId('train-with-tuned'));
    await waitFor(() => expect(window.location.hash).toBe('#/train/run_a'));
  });
});

describe('curve styles over runs', () => {
  it('keeps one colour per model across runs and tells runs apart by line style', () => {
    const [a1, p1, a2, p2] = seriesStyles(['als · A', 'popularity · A', 'als · B', 'popularity · B']);
    expect(a1!.color).toBe(a2!.color);
    expect(p1!.color).toBe(p2!.color);
    expect(a1!.color).not.toBe(p1!.color);
    expect(a1!.dash).toBeUndefined();
    expect(a2!.dash).toBeDefined();
    expect(p2!.dash).toBe(a2!.dash);
  });
});
