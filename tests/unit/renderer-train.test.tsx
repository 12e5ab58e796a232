// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FORM, toConfig, validateForm } from '../../renderer/pages/train/config.ts';
import { DEFAULT_SETTINGS } from '../../renderer/state/settings.ts';
import { etaSeconds, isChartedMetric, jobsReducer } from '../../renderer/state/jobs.tsx';
import { FakeEngine } from '../e2e/support/fake-engine.ts';
import { renderApp } from '../e2e/support/render-app.tsx';

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
    fireEvent.change(await screen.findByTestId('als-factors'), { target: { value: '0' } });
    fireEvent.click(screen.getByTestId('train-start'));
    expect(await screen.findByText('a whole number ≥ 1')).toBeTruthy();
    expect(e.calls.some((c) => c.name === 'train.start')).toBe(false);
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

    e.emit('job.state', { ...running, state: 'succeeded', result: { runId: 'run_1', runDir: '/ws/runs/run_1', metrics: { als: { 'ndcg@10': 0.25, 'recall@10': 0.4 } }, timings: {} } });
    expect((await screen.findByTestId('train-run-id')).textContent).toBe('run_1');
    expect(screen.getByTestId('train-metrics').textContent).toContain('0.2500');
    expect(screen.queryByTestId('cancel-job')).toBeNull();
  });
});

describe('train config and job state', () => {
  it('validates the split and stage dependencies', () => {
    expect(validateForm(DEFAULT_FORM)).toEqual({});
    expect(validateForm({ ...DEFAULT_FORM, split: 'lastpct:0.2' })).toEqual({});
    expect(Object.keys(validateForm({ ...DEFAULT_FORM, split: 'last2' }))).toEqual(['split']);
    expect(validateForm({ ...DEFAULT_FORM, stages: ['hybrid', 'als'] }).stages).toMatch(/semantic/);
    expect(validateForm({ ...DEFAULT_FORM, stages: [] }).stages).toBeDefined();
  });

  it('sends params only for the chosen stages, and the embedding provider with the semantic stage', () => {
    const config = toConfig({ ...DEFAULT_FORM, stages: ['popularity', 'semantic'] }, { ...DEFAULT_SETTINGS, embeddingProvider: 'transformers', embeddingModel: 'm' });
    expect(config).toEqual({ stages: ['popularity', 'semantic'], seed: 42, threads: 0, split: { method: 'last1' }, semantic: { provider: 'transformers', model: 'm' } });
  });

  it('offers itemknn and ease with their params, checked and sent only when chosen', () => {
    const form = { ...DEFAULT_FORM, stages: ['itemknn', 'ease'] };
    expect(toConfig(form, DEFAULT_SETTINGS)).toMatchObject({ stages: ['itemknn', 'ease'], itemknn: { neighbours: 100, shrink: 10, similarity: 'cosine', alpha: 0.5 }, ease: { lambda: 500 } });
    expect(toConfig(DEFAULT_FORM, DEFAULT_SETTINGS)).not.toHaveProperty('itemknn');
    expect(Object.keys(validateForm({ ...form, itemknn: { ...form.itemknn, neighbours: 0, alpha: 2 }, ease: { lambda: 0 } })).sort()).toEqual(['ease.lambda', 'itemknn.alpha', 'itemknn.neighbours']);
  });

  it('collects losses per stage, keeps the newest job state, and estimates time left', () => {
    let s = jobsReducer({}, { type: 'progress', progress: { jobId: 'j', stage: 'als', current: 1, total: 4, unit: 'iter', metrics: { loss: 9, seconds: 0.3 } }, now: 1000 });
    s = jobsReducer(s, { type: 'progress', progress: { jobId: 'j', stage: 'als', current: 2, total: 4, unit: 'iter', metrics: { loss: 5 } }, now: 3000 });
    s = jobsReducer(s, { type: 'state', info: { ...running, jobId: 'j', state: 'succeeded' } });
    s = jobsReducer(s, { type: 'seed', jobs: [{ ...running, jobId: 'j' }] });
    const job = s.j!;
    expect(job.stages.als!.series).toEqual({ loss: [{ step: 1, value: 9 }, { step: 2, value: 5 }] });
    expect(job.info?.state).toBe('succeeded');
    expect(etaSeconds(job.stages.als!)).toBeCloseTo(2);
    expect(['loss', 'val_accuracy', 'macro_f1', 'lossSeconds', 'seconds', 'examples_per_s'].filter(isChartedMetric)).toEqual(['loss', 'val_accuracy', 'macro_f1']);
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
