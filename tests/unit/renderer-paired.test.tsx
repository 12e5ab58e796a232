// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompareArgs } from '../../main/common/contracts/api.ts';
import type { ModelComparison } from '../../main/common/contracts/runs.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { runDetail, runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

function comparison(arg: CompareArgs, comparable = true): ModelComparison {
  const label = (s: { run: string; model: string }) => (arg.a.run === arg.b.run ? s.model : `${s.model} (${s.run})`);
  const ndcg = {
    metric: 'ndcg@10',
    a: 0.1,
    b: 0.114,
    diff: 0.014,
    ci95: [0.004, 0.024] as [number, number],
    pT: 0.003,
    pWilcoxon: 0.004,
    pTAdjusted: 0.009,
    pWilcoxonAdjusted: 0.012,
    better: 'b' as const,
    verdict: `${label(arg.b)} beats ${label(arg.a)} on NDCG@10 by 0.0140 [0.0040, 0.0240]`,
  };
  return {
    a: { ...arg.a, label: label(arg.a) },
    b: { ...arg.b, label: label(arg.b) },
    k: 10,
    comparable,
    differences: comparable ? [] : [{ key: 'split.ties', a: '"random"', b: '"all"' }],
    users: comparable ? 480 : 0,
    metrics: comparable ? [ndcg] : [],
    sameAs: comparable ? { 'hitrate@10': 'recall@10' } : {},
    verdict: comparable ? ndcg.verdict : 'not comparable: the runs differ in split.ties; no paired test',
    method: 'paired t-test and Wilcoxon signed-rank test on per-user differences, Holm-adjusted over the metrics compared, α = 0.05',
  };
}

function engine(comparable = true) {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true }), runSummary('run_b', 2)],
    'runs.show': ({ run }) => runDetail(run, run === 'run_a' ? 1 : 2, 64),
    'eval.perUser': ({ run, model }) => ({
      run,
      model,
      columns: ['user', 'n_test', 'n_train', 'segment', 'ndcg@10'],
      csv: 'user,n_test,n_train,segment,ndcg@10\nu1,1,3,light,0.5\n',
    }),
    'eval.compare': (arg) => comparison(arg, comparable),
  });
}

describe('paired comparison in the app', () => {
  it('Evaluate pairs the baseline with another model of the run, then the picked models', async () => {
    const e = engine();
    renderApp(e, 'evaluate/run_a');
    const verdict = await screen.findByTestId('paired-verdict', {}, { timeout: 5000 });
    expect(verdict.textContent).toBe('als beats popularity on NDCG@10 by 0.0140 [0.0040, 0.0240]');
    expect(e.calls.find((c) => c.name === 'eval.compare')?.arg).toEqual({ a: { run: 'run_a', model: 'popularity' }, b: { run: 'run_a', model: 'als' } });
    const row = screen.getByTestId('paired-ndcg@10');
    expect([...row.querySelectorAll('td')].map((td) => td.textContent)).toEqual([
      'ndcg@10',
      '0.1000',
      '0.1140',
      '+0.0140',
      '[0.0040, 0.0240]',
      '0.0090',
      '0.0120',
    ]);
    expect(screen.getByTestId('paired-comparison').textContent).toContain('hitrate@10 equals recall@10 here');
    fireEvent.change(screen.getByTestId('paired-model-a'), { target: { value: 'als' } });
    // the same model on both sides of one run is not a comparison
    expect(await screen.findByText('Pick two different models.', {}, { timeout: 5000 })).toBeTruthy();
  });

  it("Evaluate's compare-with pairs the same model of the two runs", async () => {
    const e = engine();
    renderApp(e, 'evaluate/run_a');
    await screen.findByTestId('paired-verdict', {}, { timeout: 5000 });
    fireEvent.change(screen.getByTestId('compare-picker'), { target: { value: 'run_b' } });
    await waitFor(() => expect(screen.getByTestId('paired-verdict').textContent).toBe('als (run_b) beats als (run_a) on NDCG@10 by 0.0140 [0.0040, 0.0240]'), {
      timeout: 5000,
    });
    expect(e.calls.filter((c) => c.name === 'eval.compare').at(-1)?.arg).toEqual({ a: { run: 'run_a', model: 'als' }, b: { run: 'run_b', model: 'als' } });
  });

  it('Runs compare view gives the paired verdict for runs on the same data, and a warning naming what differs otherwise', async () => {
    renderApp(engine(false), 'runs');
    fireEvent.click(await screen.findByTestId('select-run_a', {}, { timeout: 5000 }));
    fireEvent.click(screen.getByTestId('select-run_b'));
    const warning = await screen.findByTestId('paired-not-comparable', {}, { timeout: 5000 });
    expect(warning.textContent).toContain('No paired test: the runs differ in split.ties');
    expect(within(warning).getByRole('listitem').textContent).toBe('split.ties: "random" vs "all"');
    expect(screen.queryByTestId('paired-verdict')).toBeNull();
  });
});
