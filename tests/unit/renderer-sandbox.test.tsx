// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

function engine() {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true }), runSummary('run_b', 2), runSummary('run_c', 2, { kind: 'classifier' })],
    recommend: ({ user, mode = 'auto' }) => {
      if (mode === 'semantic') throw new EngineError('invalid-input', 'run run_a has no semantic stage');
      return {
        user,
        mode,
        usedMode: mode,
        known: user !== 'nobody',
        history: [{ item: 'i1', title: 'Old Movie', ts: 1_700_000_000 }],
        items: [
          { item: `${mode}-1`, title: `${mode} pick`, score: 0.9, ...(mode === 'cf' ? { because: [{ item: 'i1', title: 'Old Movie', weight: 0.75 }] } : {}) },
          { item: `${mode}-2`, score: 0.5 },
        ],
      };
    },
    // the fake model knows the words space and travel only
    search: ({ query }) => {
      const words = query.toLowerCase().split(/\s+/);
      const used = words.filter((w) => ['space', 'travel'].includes(w));
      const unknown = words.filter((w) => !used.includes(w));
      const results = used.length ? [{ item: 'i9', score: 0.8, metadata: { title: `About ${query}`, category: 'docs' } }] : [];
      return { results, query: { used, unknown } };
    },
    similar: ({ item }) => [{ item: `${item}-twin`, score: 0.7 }],
    'data.users': ({ query = '', limit = 50 }) => USERS.filter((u) => u.user.startsWith(query.toLowerCase())).slice(0, limit),
  });
}

const USERS = [
  { user: 'u7', events: 120 },
  { user: 'u12', events: 80 },
  { user: 'u1', events: 40 },
  { user: 'u3', events: 9 },
  { user: 'w2', events: 5 },
  { user: 'u9', events: 2 },
];

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
    // what the numbers mean: the score scale of the mode, and what "because" percentages are
    expect(screen.getByTestId('scores-cf').textContent).toMatch(/compare within the list/);
    expect(cf.querySelector('.because')!.getAttribute('title')).toMatch(/share of the score/);
    expect(screen.getByTestId('recs-semantic').textContent).toContain('no semantic stage');
    expect(e.calls.filter((c) => c.name === 'recommend').map((c) => c.arg)).toEqual([
      { run: 'run_a', user: 'u1', k: 10, mode: 'baseline' },
      { run: 'run_a', user: 'u1', k: 10, mode: 'cf' },
      { run: 'run_a', user: 'u1', k: 10, mode: 'semantic' },
    ]);
  });

  it('suggests the run users, most active first, filters them as one types, and recommends for a picked one', async () => {
    const e = engine();
    renderApp(e, 'sandbox');
    const list = await screen.findByTestId('sandbox-user-list');
    await waitFor(() => expect([...list.querySelectorAll('option')].map((o) => o.value)).toEqual(USERS.map((u) => u.user)));
    expect(list.querySelector('option')!.textContent).toBe('120 events');
    expect((screen.getByTestId('sandbox-user') as HTMLInputElement).getAttribute('list')).toBe(list.id);
    const quick = screen.getByTestId('user-quick-picks');
    expect(
      within(quick)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['u7 (120)', 'u12 (80)', 'u1 (40)', 'u3 (9)', 'w2 (5)']);

    fireEvent.change(screen.getByTestId('sandbox-user'), { target: { value: 'U' } });
    fireEvent.change(screen.getByTestId('sandbox-user'), { target: { value: 'U1' } });
    await waitFor(() => expect([...list.querySelectorAll('option')].map((o) => o.value)).toEqual(['u12', 'u1']));
    expect(e.calls.filter((c) => c.name === 'data.users').map((c) => c.arg)).toContainEqual({ run: 'run_a', query: 'U1', limit: 50 });
    // Each keystroke does not reach the engine: only the settled text does.
    expect(e.calls.filter((c) => c.name === 'data.users' && (c.arg as { limit: number }).limit === 50)).toHaveLength(2);

    fireEvent.click(within(screen.getByTestId('user-quick-picks')).getByRole('button', { name: 'u12 (80)' }));
    await screen.findByTestId('recommend-results');
    expect((screen.getByTestId('sandbox-user') as HTMLInputElement).value).toBe('u12');
    expect(e.calls.filter((c) => c.name === 'recommend').map((c) => (c.arg as { user: string }).user)).toEqual(['u12', 'u12']);
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

  it('says no match, naming the words, when the model knows none of them, and names the words it ignored', async () => {
    renderApp(engine(), 'sandbox');
    fireEvent.change(await screen.findByTestId('search-input'), { target: { value: 'zorgle blimp' } });
    fireEvent.submit(screen.getByTestId('search-input').closest('form')!);
    expect((await screen.findByTestId('search-no-match')).textContent).toBe('No match: the model knows none of the words zorgle, blimp.');
    expect(screen.queryByTestId('search-results')).toBeNull();
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'space zorgle' } });
    fireEvent.submit(screen.getByTestId('search-input').closest('form')!);
    expect((await screen.findByTestId('search-unknown')).textContent).toContain('ignored: zorgle');
    expect(screen.getAllByTestId('search-hit')).toHaveLength(1);
    expect(screen.queryByTestId('search-no-match')).toBeNull();
  });

  it('lists the most recent history first, "20 of N", with categories beside titles', async () => {
    const history = Array.from({ length: 30 }, (_, i) => ({
      item: `h${30 - i}`,
      title: `Watched ${30 - i}`,
      category: 'docs',
      ts: 1_700_000_000 - i * 86_400,
    }));
    const e = new FakeEngine({
      'jobs.list': () => [],
      'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
      'runs.list': () => [runSummary('run_a', 1, { isLatest: true })],
      'data.users': () => [],
      recommend: ({ user, mode = 'auto' }) => ({
        user,
        mode,
        usedMode: mode,
        known: true,
        history,
        items: [{ item: 'p1', title: 'Pick', category: 'space', score: 0.5 }],
      }),
    });
    renderApp(e, 'sandbox');
    fireEvent.change(await screen.findByTestId('sandbox-user'), { target: { value: 'u1' } });
    fireEvent.click(screen.getByTestId('recommend-submit'));
    expect((await screen.findByTestId('history-heading')).textContent).toBe('History, most recent first (20 of 30)');
    const rows = within(screen.getByTestId('user-history')).getAllByRole('listitem');
    expect(rows).toHaveLength(20);
    expect(rows[0]!.textContent).toBe('Watched 30docs 2023-11-14');
    expect(rows[19]!.textContent).toContain('Watched 11');
    expect(screen.getAllByTestId('rec-item')[0]!.textContent).toContain('Pickspace');
  });

  it('finds items similar to a search hit, headed by its title, brought into view; search filters by category', async () => {
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    const e = engine();
    renderApp(e, 'sandbox');
    fireEvent.change(await screen.findByTestId('search-input'), { target: { value: 'space' } });
    fireEvent.change(screen.getByTestId('search-category'), { target: { value: 'docs' } });
    fireEvent.submit(screen.getByTestId('search-input').closest('form')!);
    expect((await screen.findByTestId('search-source')).textContent).toBe('“space” in category docs · run run_a');
    expect(e.calls.find((c) => c.name === 'search')?.arg).toEqual({ run: 'run_a', query: 'space', k: 10, filters: { category: 'docs' } });
    fireEvent.click(within(screen.getByTestId('search-hit')).getByRole('button', { name: 'About space' }));
    await waitFor(() => expect(screen.getByTestId('similar-results').textContent).toContain('i9-twin'));
    expect(screen.getByTestId('similar-source').textContent).toBe('Similar to “About space” (i9) by content · run run_a');
    expect(e.calls.find((c) => c.name === 'similar')?.arg).toEqual({ run: 'run_a', item: 'i9', k: 10, by: 'content' });
    expect(scrolled).toHaveBeenCalled();
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

  it('offers only recommender runs, and switching run clears every answer of the previous run', async () => {
    renderApp(engine(), 'sandbox');
    const picker = (await screen.findByTestId('run-picker')) as HTMLSelectElement;
    await waitFor(() => expect([...picker.options].map((o) => o.value)).toEqual(['run_a', 'run_b']));
    fireEvent.change(screen.getByTestId('sandbox-user'), { target: { value: 'u1' } });
    fireEvent.click(screen.getByTestId('recommend-submit'));
    await screen.findByTestId('recommend-results');
    expect(screen.getByTestId('recommend-source').textContent).toBe('User u1 · run run_a');
    fireEvent.change(screen.getByTestId('search-input'), { target: { value: 'space' } });
    fireEvent.submit(screen.getByTestId('search-input').closest('form')!);
    expect((await screen.findByTestId('search-source')).textContent).toContain('run run_a');

    fireEvent.change(picker, { target: { value: 'run_b' } });
    await waitFor(() => expect(screen.queryByTestId('recommend-results')).toBeNull());
    expect(screen.queryByTestId('search-results')).toBeNull();
    expect(screen.queryByTestId('similar-results')).toBeNull();
    expect((screen.getByTestId('sandbox-user') as HTMLInputElement).value).toBe('');
  });

  it('takes the id placeholder from a real user and says plainly when an id is unknown', async () => {
    renderApp(engine(), 'sandbox');
    await waitFor(() => expect((screen.getByTestId('sandbox-user') as HTMLInputElement).placeholder).toBe('e.g. u7'));
    fireEvent.change(screen.getByTestId('sandbox-user'), { target: { value: 'u1' } });
    fireEvent.click(screen.getByTestId('recommend-submit'));
    await screen.findByTestId('recommend-results');
    expect(screen.queryByTestId('unknown-user')).toBeNull();
    fireEvent.change(screen.getByTestId('sandbox-user'), { target: { value: 'nobody' } });
    fireEvent.click(screen.getByTestId('recommend-submit'));
    expect((await screen.findByTestId('unknown-user')).textContent).toContain('“nobody” is not in this run');
  });
});
