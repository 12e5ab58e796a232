// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetProfile } from '../../main/common/contracts/api.ts';
import { parseRequestArg } from '../../main/engine/request-args.ts';
import { prepareFromDraft, EMPTY_PREPARE } from '../../renderer/pages/data/PrepareSection.tsx';
import { FakeEngine } from '../support/fake-engine.ts';
import { profileFixture } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

const info = { path: '/tmp/ws', latestRunId: null, threads: 2, version: '0.1.0' };

function engineWith(profile: DatasetProfile | null, extra: ConstructorParameters<typeof FakeEngine>[0] = {}): FakeEngine {
  return new FakeEngine({
    ...extra,
    'workspace.info': () => info,
    'jobs.list': () => [],
    'data.profile': () => profile,
    'data.preview': ({ file, kind }) => ({
      file,
      kind,
      layout: 'csv',
      columns: ['user', 'item', 'stars', 'ts', 'country'],
      rows: [],
      detected: { user: 'user', item: 'item', rating: 'stars', ts: 'ts' },
    }),
    'data.import': () => ({ jobId: 'imp-1' }),
  });
}

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

describe('Data page: Prepare', () => {
  it('sends the Prepare controls as ImportArgs.prepare, which the engine accepts', async () => {
    const engine = engineWith(null);
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/log.csv' } });
    // folded until opened: most imports need none of it
    const section = screen.getByTestId('prepare-section') as HTMLDetailsElement;
    expect(section.open).toBe(false);
    fireEvent.click(within(section).getByText(/^Prepare: SQL filter/));
    await waitFor(() => expect(section.open).toBe(true));
    fireEvent.click(screen.getByTestId('preview-columns'));
    // the SQL filter names the columns it can use once the file is previewed
    await waitFor(() => expect(screen.getByTestId('prepare-section').textContent).toContain('columns: user, item, stars, ts, country'));
    type('prepare-where', "country = 'DE'");
    type('prepare-from', '2024-01-01');
    type('prepare-to', '2024-07-01');
    type('prepare-minRating', '3.5');
    fireEvent.click(screen.getByTestId('prepare-implicit'));
    type('prepare-sampleUsers', '0.25');
    type('prepare-seed', '7');
    type('prepare-repeats', 'count');
    type('prepare-minUserEvents', '5');
    type('prepare-minItemEvents', '2');
    expect(within(section).getByText(/^Prepare \(10 set\)/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    const prepare = {
      where: "country = 'DE'",
      from: '2024-01-01',
      to: '2024-07-01',
      minRating: 3.5,
      implicit: true,
      sampleUsers: 0.25,
      seed: 7,
      repeats: 'count',
      minUserEvents: 5,
      minItemEvents: 2,
    };
    await waitFor(() => expect(engine.calls.find((c) => c.name === 'data.import')?.arg).toEqual({ interactions: '/data/log.csv', prepare }));
    expect(parseRequestArg('data.import', { interactions: '/data/log.csv', prepare })).toEqual({ interactions: '/data/log.csv', prepare });
  });

  it('counts what each step keeps without importing, and hides the counts once a setting changes', async () => {
    const steps = [
      { step: 'source' as const, label: 'as read from the source', events: 100, users: 10, items: 20 },
      { step: 'k-core' as const, label: 'at least 5 events per user (iterated k-core, 2 rounds)', events: 60, users: 6, items: 12 },
    ];
    const engine = engineWith(null, { 'data.previewPreparation': () => steps });
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/log.csv' } });
    type('prepare-minUserEvents', '5');
    fireEvent.click(screen.getByTestId('prepare-count'));
    const table = await screen.findByTestId('profile-preparation');
    expect(within(table).getByText('at least 5 events per user (iterated k-core, 2 rounds)')).toBeTruthy();
    expect(engine.calls.find((c) => c.name === 'data.previewPreparation')?.arg).toEqual({ interactions: '/data/log.csv', prepare: { minUserEvents: 5 } });
    expect(engine.calls.some((c) => c.name === 'data.import')).toBe(false);
    type('prepare-minUserEvents', '6');
    await waitFor(() => expect(screen.queryByTestId('profile-preparation')).toBeNull());
  });

  it('names a value it cannot send beside its control and does not import', async () => {
    const engine = engineWith(null);
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/log.csv' } });
    type('prepare-sampleUsers', '2.5');
    type('prepare-minUserEvents', '0');
    expect(screen.getByRole('textbox', { name: 'SQL filter' })).toBeTruthy();
    expect(screen.getByRole('spinbutton', { name: 'Sample of users' }).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('prepare-section').textContent).toContain('a fraction between 0 and 1, or a whole number of users');
    expect(screen.getByTestId('prepare-section').textContent).toContain('a whole number, 1 or more');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.calls.some((c) => c.name === 'data.import' || c.name === 'data.preview')).toBe(false);
  });

  it('shows the counts after each preparation step with the profile', async () => {
    renderApp(
      engineWith({
        ...profileFixture,
        preparation: [
          { step: 'source', label: 'as read from the source', events: 15000, users: 620, items: 240 },
          { step: 'k-core', label: 'at least 5 events per user (iterated k-core, 2 rounds)', events: 12000, users: 500, items: 200 },
        ],
      }),
      'data',
    );
    const table = await screen.findByTestId('profile-preparation');
    const rows = within(table)
      .getAllByRole('row')
      .map((r) =>
        within(r)
          .getAllByRole(r.querySelector('th') ? 'columnheader' : 'cell')
          .map((c) => c.textContent),
      );
    expect(rows).toEqual([
      ['Preparation step', 'events', 'users', 'items'],
      ['as read from the source', '15,000', '620', '240'],
      ['at least 5 events per user (iterated k-core, 2 rounds)', '12,000', '500', '200'],
    ]);
  });
});

describe('prepareFromDraft', () => {
  it('sends nothing when nothing is set, and the seed only with a sample', () => {
    expect(prepareFromDraft(EMPTY_PREPARE)).toEqual({ spec: undefined, errors: {} });
    expect(prepareFromDraft({ ...EMPTY_PREPARE, seed: '3' }).spec).toBeUndefined();
    expect(prepareFromDraft({ ...EMPTY_PREPARE, sampleUsers: '500', seed: '3' }).spec).toEqual({ sampleUsers: 500, seed: 3 });
  });

  it('refuses a window that ends before it starts', () => {
    expect(prepareFromDraft({ ...EMPTY_PREPARE, from: '2024-02-01', to: '2024-02-01' }).errors).toEqual({
      to: 'after the start date: the window ends before this day',
    });
  });
});
