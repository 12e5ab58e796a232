// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, errorMessage } from '../../renderer/api/errors.ts';
import { DEFAULT_FORM, formFromRun, toConfig, validateForm } from '../../renderer/pages/train/config.ts';
import { DEFAULT_SETTINGS } from '../../renderer/state/settings.ts';
import { etaSeconds, isChartedMetric, jobsReducer } from '../../renderer/state/jobs.tsx';
import { stageLabel } from '../../renderer/state/stage-labels.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { runDetail } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const running = { jobId: 'job-7', kind: 'train' as const, state: 'running' as const, label: 'train', createdAt: '' };

function engine() {
  return new FakeEngine({ 'jobs.list': () => [], 'train.start': () => ({ jobId: 'job-7' }), 'jobs.cancel': () => ({ cancelled: true }) });
}

describe('Train page', () => {
  it('starts training with the default pipeline config', async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    expect(e.calls.find((c) => c.name === 'train.start')?.arg).toEqual({
      config: {
        stages: ['popularity', 'bayes-popularity', 'als'],
        seed: 42,
        threads: 0,
        split: { method: 'last1' },
        als: { factors: 64, regularization: 0.01, alpha: 40, iterations: 15, confidence: 'linear' },
        'bayes-popularity': { m: 10, minRatings: 1 },
      },
    });
  });

  it('refuses invalid params with a message at the field and sends nothing', async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.change(await screen.findByTestId('als-factors'), { target: { value: '1000000' } });
    fireEvent.click(screen.getByTestId('train-start'));
    expect(await screen.findByText('a whole number from 1 to 1,024')).toBeTruthy();
    expect(e.calls.some((c) => c.name === 'train.start')).toBe(false);
  });

  it("ticks hybrid's dependencies, and sends the split, cutoff, Ks, template and blend weight as chosen", async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('stage-hybrid'));
    expect((screen.getByTestId('stage-semantic') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('stage-als') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByTestId('split-method'), { target: { value: 'lastpct' } });
    fireEvent.change(screen.getByTestId('split-fraction'), { target: { value: '0.3' } });
    fireEvent.change(screen.getByTestId('split-cutoff'), { target: { value: '2024-03-01' } });
    fireEvent.change(screen.getByTestId('split-min-user-events'), { target: { value: '5' } });
    fireEvent.change(screen.getByTestId('eval-ks'), { target: { value: '20, 10' } });
    fireEvent.change(screen.getByTestId('semantic-template'), { target: { value: '{title} ({genres})' } });
    fireEvent.change(screen.getByTestId('hybrid-weight'), { target: { value: '0.7' } });
    fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    expect((e.calls.find((c) => c.name === 'train.start')!.arg as { config: Record<string, unknown> }).config).toMatchObject({
      stages: ['popularity', 'bayes-popularity', 'als', 'semantic', 'hybrid'],
      split: { method: 'lastpct:0.3', cutoff: '2024-03-01', minUserEvents: 5 },
      eval: { ks: [10, 20] },
      semantic: { provider: 'builtin', template: '{title} ({genres})' },
      hybrid: { weight: 0.7 },
    });
    // unticking a dependency unticks hybrid instead of leaving a form that cannot be sent
    fireEvent.click(screen.getByTestId('stage-semantic'));
    expect((screen.getByTestId('stage-hybrid') as HTMLInputElement).checked).toBe(false);
  });

  it("blends the CF model chosen under Hybrid: ticks it, sends hybrid.cf with that model's params, and unticks hybrid without it", async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('stage-hybrid'));
    fireEvent.change(screen.getByTestId('hybrid-cf'), { target: { value: 'itemknn' } });
    expect((screen.getByTestId('stage-itemknn') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText(/ItemKNN weight in the blend/)).toBeTruthy();
    // ALS, ticked with hybrid before, is no longer needed: unticking it keeps hybrid
    fireEvent.click(screen.getByTestId('stage-als'));
    expect((screen.getByTestId('stage-hybrid') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    const config = (e.calls.find((c) => c.name === 'train.start')!.arg as { config: Record<string, unknown> }).config;
    expect(config).toMatchObject({
      stages: ['popularity', 'bayes-popularity', 'itemknn', 'semantic', 'hybrid'],
      hybrid: { cf: 'itemknn' },
      itemknn: DEFAULT_FORM.itemknn,
    });
    expect(config.als).toBeUndefined();
    fireEvent.click(screen.getByTestId('stage-itemknn'));
    expect((screen.getByTestId('stage-hybrid') as HTMLInputElement).checked).toBe(false);
  });

  it('shows live progress per stage with the ALS loss chart and the log, cancels, and ends with the result', async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    e.emit('job.state', running);
    for (let i = 1; i <= 3; i++) e.emit('job.progress', { jobId: 'job-7', stage: 'als', current: i, total: 15, unit: 'iter', metrics: { loss: 100 / i } });
    e.emit('job.log', { jobId: 'job-7', level: 'info', message: 'als: 500 users × 200 items', time: '2024-01-01T10:00:00.000Z' });

    const stage = await screen.findByTestId('stage-progress-als');
    expect(stage.textContent).toContain('3 / 15 iter');
    const chart = await screen.findByTestId('chart-loss-als');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-line-dot, .recharts-line-curve').length).toBeGreaterThan(0));
    expect(screen.getByTestId('job-log').textContent).toContain('als: 500 users × 200 items');

    fireEvent.click(screen.getByTestId('cancel-job'));
    await waitFor(() => expect(e.calls.find((c) => c.name === 'jobs.cancel')?.arg).toEqual({ jobId: 'job-7' }));

    e.emit('job.state', {
      ...running,
      state: 'succeeded',
      result: { runId: 'run_1', runDir: '/ws/runs/run_1', metrics: { als: { 'ndcg@10': 0.25, 'recall@10': 0.4 } }, timings: {} },
    });
    expect((await screen.findByTestId('train-run-id')).textContent).toBe('run_1');
    expect(screen.getByTestId('train-metrics').textContent).toContain('0.2500');
    expect(screen.queryByTestId('cancel-job')).toBeNull();
  });
});

describe('Train page: progress that explains itself', () => {
  it("shows the run's overall progress, human stage names, a sidebar note while it runs, and a cancel as cancelled", async () => {
    const e = engine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    e.emit('job.state', running);
    e.emit('job.progress', { jobId: 'job-7', stage: 'run', current: 2, total: 4, unit: 'stage', metrics: {} });
    e.emit('job.progress', { jobId: 'job-7', stage: 'evaluate bayes-popularity', current: 100, total: 400, unit: 'users' });
    e.emit('job.progress', { jobId: 'job-7', stage: 'hybrid · weight search', current: 3, total: 11, unit: 'candidate' });
    expect((await screen.findByTestId('overall-progress')).textContent).toContain('2 of 4 stages');
    expect(screen.queryByTestId('stage-progress-run')).toBeNull();
    expect(screen.getByTestId('stage-progress-evaluate bayes-popularity').textContent).toContain('Evaluating Bayesian popularity');
    expect(screen.getByTestId('stage-progress-hybrid · weight search').textContent).toContain('3 / 11 candidate');
    expect((await screen.findByTestId('running-jobs')).textContent).toContain('train…');

    e.emit('job.state', { ...running, state: 'cancelled', error: { kind: 'cancelled', message: 'cancelled' } });
    expect((await screen.findByTestId('job-cancelled')).textContent).toBe('Cancelled: LATEST unchanged.');
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(screen.queryByTestId('running-jobs')).toBeNull());
  });

  it('names stages and models in words', () => {
    expect(stageLabel('evaluate als')).toBe('Evaluating ALS');
    expect(stageLabel('classify-cv-3')).toBe('Cross-validation fold 3');
    expect(stageLabel('classify-linear')).toBe('Training the Linear (TF-IDF + logistic regression) candidate');
    expect(stageLabel('tune')).toMatch(/^Tuning/);
    expect(stageLabel('something new')).toBe('something new');
  });
});

describe('Train page: remembered and copied settings, tuning', () => {
  const workspaceEngine = () =>
    new FakeEngine({
      'jobs.list': () => [],
      'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 2, version: '0.1.0' }),
      'train.start': () => ({ jobId: 'job-8' }),
      'runs.show': ({ run }) => {
        const detail = runDetail(run, 1, 24);
        detail.manifest.resolvedParams = {
          stages: ['popularity', 'als'],
          seed: 7,
          split: { method: 'lastpct:0.2' },
          als: { factors: 24, regularization: 3.5, alpha: 2, iterations: 9, confidence: 'log' },
        };
        return detail;
      },
    });

  it('keeps the last settings sent in this workspace across visits', async () => {
    const e = workspaceEngine();
    const first = renderApp(e, 'train');
    await waitFor(() => expect(e.calls.some((c) => c.name === 'workspace.info')).toBe(true));
    fireEvent.change(await screen.findByTestId('als-factors'), { target: { value: '12' } });
    fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    first.unmount();
    renderApp(workspaceEngine(), 'train');
    await waitFor(() => expect((screen.getByTestId('als-factors') as HTMLInputElement).value).toBe('12'));
  });

  it('starts from a run\'s settings when the route names it ("Train with these settings")', async () => {
    const e = workspaceEngine();
    renderApp(e, 'train/run_20260101T000000');
    expect((await screen.findByTestId('form-from-run')).textContent).toContain('run_20260101T000000');
    expect((screen.getByTestId('als-factors') as HTMLInputElement).value).toBe('24');
    fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    expect((e.calls.find((c) => c.name === 'train.start')!.arg as { config: Record<string, unknown> }).config).toMatchObject({
      stages: ['popularity', 'als'],
      seed: 7,
      split: { method: 'lastpct:0.2' },
      als: { factors: 24, regularization: 3.5, alpha: 2, iterations: 9, confidence: 'log' },
    });
  });

  it('sends a tuning request with trials and a time limit when tuning is ticked', async () => {
    const e = workspaceEngine();
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('tune-enabled'));
    fireEvent.change(screen.getByTestId('tune-trials'), { target: { value: '12' } });
    fireEvent.change(screen.getByTestId('tune-minutes'), { target: { value: '15' } });
    fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(e.calls.some((c) => c.name === 'train.start')).toBe(true));
    expect((e.calls.find((c) => c.name === 'train.start')!.arg as { config: Record<string, unknown> }).config.tune).toEqual({
      stages: 'auto',
      trials: 12,
      seconds: 900,
    });
  });
});

describe('Train page: the final state always arrives', () => {
  it('shows a job that ended before any event reached the page, and never goes back to queued', async () => {
    const failed = { ...running, jobId: 'job-9', state: 'failed' as const, error: { kind: 'invalid-input' as const, message: 'no data to train on' } };
    const e = new FakeEngine({ 'jobs.list': () => [], 'train.start': () => ({ jobId: 'job-9' }), 'jobs.get': () => failed });
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('train-start'));
    expect((await screen.findAllByText(/no data to train on/)).length).toBeGreaterThan(0);
    await waitFor(() => expect(screen.getAllByText(/no data to train on/)).toHaveLength(1));
    e.emit('job.state', { ...running, jobId: 'job-9', state: 'queued' });
    await waitFor(() => expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId('job-progress').getAttribute('data-state')).toBe('failed');
  });
});

describe('Train page: errors in the words of the app', () => {
  it("shows a failed job's error once, without command-line advice", async () => {
    const failed = {
      ...running,
      jobId: 'job-10',
      state: 'failed' as const,
      error: {
        kind: 'invalid-input' as const,
        message: 'no interactions to train on',
        details: { hint: 'pass --interactions FILE (and --items FILE), or run `trainyard data import FILE` first' },
      },
    };
    const e = new FakeEngine({ 'jobs.list': () => [], 'train.start': () => ({ jobId: 'job-10' }), 'jobs.get': () => failed });
    renderApp(e, 'train');
    fireEvent.click(await screen.findByTestId('train-start'));
    expect((await screen.findByTestId('job-error')).textContent).toBe('no interactions to train on');
    await waitFor(() => expect(screen.getAllByText(/no interactions to train on/)).toHaveLength(1));
    expect(document.body.textContent).not.toMatch(/--interactions|trainyard data/);
  });
});

describe('errorMessage', () => {
  it('keeps app advice, drops command-line advice and a hint the message already holds', () => {
    const err = (message: string, hint: string) => new ApiError({ kind: 'invalid-input', message, details: { hint } });
    expect(errorMessage(err('bad.csv line 3: rating "x"', 'fix the row'))).toBe('bad.csv line 3: rating "x" (fix the row)');
    expect(errorMessage(err('log.csv: no column for ts', '--map ts=<column>'))).toBe('log.csv: no column for ts');
    expect(errorMessage(err('run r1 not found', 'trainyard runs list shows the runs'))).toBe('run r1 not found');
    expect(errorMessage(err('the disk is full; free some space', 'free some space'))).toBe('the disk is full; free some space');
  });
});

describe('Train page: loading a trainyard.yaml', () => {
  it('fills the form from the resolved config of a picked file', async () => {
    const e = new FakeEngine({
      'jobs.list': () => [],
      'config.resolve': ({ configPath }) => ({
        config: {
          stages: ['popularity', 'als'],
          seed: 3,
          split: { method: 'last1' },
          als: { factors: 12, regularization: 2, alpha: 5, iterations: 7, confidence: 'linear' },
          from: configPath,
        },
      }),
    });
    renderApp(e, 'train');
    const input = (await screen.findByTestId('load-config-file')) as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(['als:\n  factors: 12\n'], 'trainyard.yaml')] } });
    await waitFor(() => expect((screen.getByTestId('als-factors') as HTMLInputElement).value).toBe('12'));
    expect(e.calls.find((c) => c.name === 'config.resolve')?.arg).toEqual({ configPath: 'uploads/trainyard.yaml' });
    expect(screen.getByTestId('form-from-config').textContent).toContain('trainyard.yaml');
    expect((screen.getByTestId('als-iterations') as HTMLInputElement).value).toBe('7');
  });
});

describe('train config and job state', () => {
  it('never moves a finished job back to queued or running', () => {
    let s = jobsReducer({}, { type: 'state', info: { ...running, state: 'cancelled' } });
    s = jobsReducer(s, { type: 'state', info: { ...running, state: 'running' } });
    expect(s['job-7']!.info?.state).toBe('cancelled');
  });

  it("maps a run's resolved params back onto the form, ignoring what the form does not know", () => {
    const form = formFromRun({ stages: ['als', 'semantic', 'mystery'], seed: 3, als: { factors: 8 }, itemknn: { neighbours: 50, extra: 1 } });
    expect(form.stages).toEqual(['als', 'semantic']);
    expect(form.als).toEqual({ ...DEFAULT_FORM.als, factors: 8 });
    expect(form.itemknn).toEqual({ ...DEFAULT_FORM.itemknn, neighbours: 50 });
    expect(form.tune.enabled).toBe(false);
    expect(formFromRun({ stages: ['ease', 'semantic', 'hybrid'], hybrid: { cf: 'ease', weight: 0.4 } }).hybrid).toEqual({ cf: 'ease', weight: 0.4 });
    expect(formFromRun({ hybrid: { cf: 'mystery' } }).hybrid).toEqual(DEFAULT_FORM.hybrid);
    expect(validateForm({ ...DEFAULT_FORM, stages: ['popularity'], tune: { enabled: true, trials: 5, minutes: null } })['tune.trials']).toMatch(/needs ALS/);
  });

  it('validates the split and stage dependencies', () => {
    expect(validateForm(DEFAULT_FORM)).toEqual({});
    expect(validateForm({ ...DEFAULT_FORM, split: 'lastpct:0.2' })).toEqual({});
    expect(Object.keys(validateForm({ ...DEFAULT_FORM, split: 'last2' }))).toEqual(['split']);
    expect(Object.keys(validateForm({ ...DEFAULT_FORM, split: 'lastpct:1' }))).toEqual(['split']);
    expect(Object.keys(validateForm({ ...DEFAULT_FORM, cutoff: 'March', ks: '10, 0', minUserEvents: 1 })).sort()).toEqual(['cutoff', 'ks', 'minUserEvents']);
    expect(validateForm({ ...DEFAULT_FORM, cutoff: '1709251200' })).toEqual({});
    expect(validateForm({ ...DEFAULT_FORM, stages: ['hybrid', 'als'] }).stages).toMatch(/semantic/);
    expect(validateForm({ ...DEFAULT_FORM, stages: ['hybrid', 'als', 'semantic'], hybrid: { cf: 'ease', weight: null } }).stages).toBe(
      'hybrid needs ease and semantic',
    );
    expect(validateForm({ ...DEFAULT_FORM, stages: [] }).stages).toBeDefined();
  });

  it('sends params only for the chosen stages, and the embedding provider with the semantic stage', () => {
    const config = toConfig(
      { ...DEFAULT_FORM, stages: ['popularity', 'semantic'] },
      { ...DEFAULT_SETTINGS, embeddingProvider: 'transformers', embeddingModel: 'm' },
    );
    expect(config).toEqual({
      stages: ['popularity', 'semantic'],
      seed: 42,
      threads: 0,
      split: { method: 'last1' },
      semantic: { provider: 'transformers', model: 'm' },
    });
  });

  it('offers itemknn and ease with their params, checked and sent only when chosen', () => {
    const form = { ...DEFAULT_FORM, stages: ['itemknn', 'ease'] };
    expect(toConfig(form, DEFAULT_SETTINGS)).toMatchObject({
      stages: ['itemknn', 'ease'],
      itemknn: { neighbours: 100, shrink: 10, similarity: 'cosine', alpha: 0.5 },
      ease: { lambda: 500 },
    });
    expect(toConfig(DEFAULT_FORM, DEFAULT_SETTINGS)).not.toHaveProperty('itemknn');
    expect(Object.keys(validateForm({ ...form, itemknn: { ...form.itemknn, neighbours: 0, alpha: 2 }, ease: { lambda: 0 } })).sort()).toEqual([
      'ease.lambda',
      'itemknn.alpha',
      'itemknn.neighbours',
    ]);
  });

  it('collects losses per stage, keeps the newest job state, and estimates time left', () => {
    let s = jobsReducer(
      {},
      { type: 'progress', progress: { jobId: 'j', stage: 'als', current: 1, total: 4, unit: 'iter', metrics: { loss: 9, seconds: 0.3 } }, now: 1000 },
    );
    s = jobsReducer(s, { type: 'progress', progress: { jobId: 'j', stage: 'als', current: 2, total: 4, unit: 'iter', metrics: { loss: 5 } }, now: 3000 });
    s = jobsReducer(s, { type: 'state', info: { ...running, jobId: 'j', state: 'succeeded' } });
    s = jobsReducer(s, { type: 'seed', jobs: [{ ...running, jobId: 'j' }] });
    const job = s.j!;
    expect(job.stages.als!.series).toEqual({
      loss: [
        { step: 1, value: 9 },
        { step: 2, value: 5 },
      ],
    });
    expect(job.info?.state).toBe('succeeded');
    expect(etaSeconds(job.stages.als!)).toBeCloseTo(2);
    expect(['loss', 'val_accuracy', 'macro_f1', 'lossSeconds', 'seconds', 'examples_per_s'].filter(isChartedMetric)).toEqual([
      'loss',
      'val_accuracy',
      'macro_f1',
    ]);
  });

  it('shows a training started before the page was opened, and lets it be cancelled', async () => {
    const e = new FakeEngine({ 'jobs.list': () => [running], 'jobs.cancel': () => ({ cancelled: true }) });
    renderApp(e, 'train');
    expect((await screen.findByTestId('job-progress')).getAttribute('data-state')).toBe('running');
    expect((screen.getByTestId('train-start') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('cancel-job'));
    await waitFor(() => expect(e.calls.find((c) => c.name === 'jobs.cancel')?.arg).toEqual({ jobId: 'job-7' }));
  });
});
