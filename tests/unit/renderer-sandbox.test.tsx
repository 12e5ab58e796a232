// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../main/engine/contracts/errors.ts';
import { FakeEngine } from '../e2e/support/fake-engine.ts';
import { runSummary } from '../e2e/support/fixtures.ts';
import { renderApp } from '../e2e/support/render-app.tsx';

afterEach(cleanup);

function engine() {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true })],
    recommend: ({ user, mode = 'auto' }) => {
      if (mode === 'semantic') throw new EngineError('invalid-input', 'run run_a has no semantic stage');
      return {
        user,
        mode,
        usedMode: mode,
        known: true,
        history: [{ item: 'i1', title: 'Old Movie', ts: 1_700_000_000 }],
        items: [
          { item: `${mode}-1`, title: `${mode} pick`, score: 0.9, ...(mode === 'cf' ? { because: [{ item: 'i1', title: 'Old Movie', weight: 0.75 }] } : {}) },
          { item: `${mode}-2`, score: 0.5 },
        ],
      };
    },
    search: ({ query }) => [{ item: 'i9', score: 0.8, metadata: { title: `About ${query}`, category: 'docs' } }],
    similar: ({ item }) => [{ item: `${item}-twin`, score: 0.7 }],
  });
}

describe('Sandbox page', () => {
  it('shows history and recommendations per mode side by side with scores, explanations and per-mode errors', async () => {
    const e = engine();
    renderApp(e, 'sandbox');
    fireEvent.change(await screen.findByTestId('sandbox-user'), { target: { value: 'u1' } });
    fireEvent.click(screen.getByLabelText('semantic'));
    fireEvent.click(screen.getByTestId('recommend-submit'));
    await screen.findByTestId('recommend-results');
    expect(screen.getByTestId('user-history').textContent).toContain('Old Movie');
    expect(within(screen.getByTestId('recs-baseline')).getAllByTestId('rec-item')).toHaveLength(2);
    const cf = screen.getByTestId('recs-cf');
    expect(cf.textContent).toContain('cf pick');
    expect(cf.textContent).toContain('0.900');
    expect(cf.textContent).toContain('because: Old Movie (75%)');
    expect(screen.getByTestId('recs-semantic').textContent).toContain('no semantic stage');
    expect(e.calls.filter((c) => c.name === 'recommend').map((c) => c.arg)).toEqual([
      { run: 'run_a', user: 'u1', k: 10, mode: 'baseline' },
      { run: 'run_a', user: 'u1', k: 10, mode: 'cf' },
      { run: 'run_a', user: 'u1', k: 10, mode: 'semantic' },
    ]);
  });

  it('searches and finds similar items', async () => {
    renderApp(engine(), 'sandbox');
    fireEvent.change(await screen.findByTestId('search-input'), { target: { value: 'space travel' } });
    fireEvent.submit(screen.getByTestId('search-input').closest('form')!);
    const hit = await screen.findByTestId('search-hit');
    expect(hit.textContent).toContain('About space travel');
    expect(hit.textContent).toContain('category: docs');
    fireEvent.change(screen.getByTestId('similar-input'), { target: { value: 'i1' } });
    fireEvent.submit(screen.getByTestId('similar-input').closest('form')!);
    await waitFor(() => expect(screen.getByTestId('similar-results').textContent).toContain('i1-twin'));
  });

  it('asks for similar items when a recommended item is picked', async () => {
    const e = engine();
    renderApp(e, 'sandbox');
    fireEvent.change(await screen.findByTestId('sandbox-user'), { target: { value: 'u1' } });
    fireEvent.click(screen.getByTestId('recommend-submit'));
    fireEvent.click(await screen.findByRole('button', { name: 'cf pick' }));
    await waitFor(() => expect(screen.getByTestId('similar-results').textContent).toContain('cf-1-twin'));
    expect((screen.getByTestId('similar-input') as HTMLInputElement).value).toBe('cf-1');
    expect(e.calls.find((c) => c.name === 'similar')?.arg).toEqual({ run: 'run_a', item: 'cf-1', k: 10, by: 'cf' });
  });
});
