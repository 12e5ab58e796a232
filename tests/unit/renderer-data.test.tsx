// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetProfile, FilePreview, PreviewKind } from '../../main/common/contracts/api.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { App } from '../../renderer/App.tsx';
import { inProcessApi } from '../support/fake-api.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { profileFixture } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

const info = { path: '/tmp/ws', latestRunId: null, threads: 2, version: '0.1.0' };

describe('Data page', () => {
  it('offers sample data on first launch, generates, imports what was generated and shows the profile', async () => {
    let profile: DatasetProfile | null = null;
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => profile,
      'data.generate': () => ({ jobId: 'gen-1' }),
      'data.import': () => ({ jobId: 'imp-1' }),
    });
    renderApp(engine, 'data');
    const button = await screen.findByTestId('generate-sample');
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(button);
    await waitFor(() => expect(engine.calls.some((c) => c.name === 'data.generate')).toBe(true));
    expect(engine.calls.find((c) => c.name === 'data.generate')?.arg).toEqual({ out: '/tmp/ws/sample' });

    engine.emit('job.progress', { jobId: 'gen-1', stage: 'interactions', current: 5, total: 10, unit: 'k rows' });
    expect((await screen.findByRole('progressbar', { name: 'interactions' })).getAttribute('aria-valuenow')).toBe('5');

    // The generator reports its files and did not import them: the page imports them.
    engine.emit('job.state', {
      jobId: 'gen-1',
      kind: 'data.generate',
      state: 'succeeded',
      label: 'generate',
      createdAt: '',
      result: { interactions: '/tmp/ws/sample/interactions.csv', items: '/tmp/ws/sample/items.csv' },
    });
    await waitFor(() =>
      expect(engine.calls.find((c) => c.name === 'data.import')?.arg).toEqual({
        interactions: '/tmp/ws/sample/interactions.csv',
        items: '/tmp/ws/sample/items.csv',
      }),
    );

    profile = profileFixture;
    engine.emit('job.state', { jobId: 'imp-1', kind: 'data.import', state: 'succeeded', label: 'import', createdAt: '' });
    expect((await screen.findByTestId('profile-users')).textContent).toContain('500');
    expect(screen.getByTestId('profile-interactions').textContent).toContain('12,000');
    expect(screen.queryByTestId('data-empty')).toBeNull();
    expect(screen.getByTestId('import-done').textContent).toBe('Imported interactions.csv: 500 users, 200 items, 12,000 interactions.');
  });

  it('regenerates sample data of a chosen size and imports it over the current data', async () => {
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => profileFixture,
      'data.generate': () => ({ jobId: 'gen-2' }),
      'data.import': () => ({ jobId: 'imp-5' }),
    });
    renderApp(engine, 'data');
    await screen.findByTestId('profile-users');
    fireEvent.change(screen.getByTestId('sample-size'), { target: { value: '1' } });
    const button = screen.getByTestId('regenerate-sample');
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(button);
    await waitFor(() =>
      expect(engine.calls.find((c) => c.name === 'data.generate')?.arg).toEqual({ out: '/tmp/ws/sample', users: 20_000, items: 5000, interactions: 600_000 }),
    );
    engine.emit('job.state', {
      jobId: 'gen-2',
      kind: 'data.generate',
      state: 'succeeded',
      label: 'generate',
      createdAt: '',
      result: { interactions: '/tmp/ws/sample/interactions.csv' },
    });
    await waitFor(() => expect(engine.calls.find((c) => c.name === 'data.import')?.arg).toEqual({ interactions: '/tmp/ws/sample/interactions.csv' }));
  });

  it('says what density, the date range and collapsed repeats mean', async () => {
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => ({
        ...profileFixture,
        density: 0.00042,
        timeRange: { min: '2024-01-01T08:00:00.000Z', max: '2024-07-01T07:00:00.000Z' },
        catalog: {
          items: 200,
          columns: ['item', 'title', 'category'],
          categories: [
            { name: 'jazz', items: 120 },
            { name: 'space', items: 80 },
          ],
          categoryCount: 2,
        },
      }),
    });
    renderApp(engine, 'data');
    expect((await screen.findByTestId('profile-density')).textContent).toBe('0.042 %density: 1 in 2,381 user–item pairs has an event');
    expect(screen.getByTestId('profile-repeats').textContent).toContain('repeat (user, item) events collapsed into the latest');
    expect(screen.getByTestId('profile').textContent).toContain('From 2024-01-01 to 2024-07-01 (182 days, UTC)');
    expect(screen.getByTestId('profile-catalog').textContent).toBe('Catalogue: 200 items in 2 categories: jazz (120), space (80)');
  });

  it('lists the warnings of an import (e.g. timestamps in the future) with the profile', async () => {
    const warning = {
      message: 'log.csv line 3, column "timestamp": timestamp "32503680000" is in the future (3000-01-01T00:00:00.000Z); check the unit or the export',
      file: '/data/log.csv',
      line: 3,
      column: 'timestamp',
      count: 1,
    };
    const engine = new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [], 'data.profile': () => ({ ...profileFixture, warnings: [warning] }) });
    renderApp(engine, 'data');
    expect((await screen.findByTestId('profile-warnings')).textContent).toBe(warning.message);
  });

  it('draws the four profile charts as SVG', async () => {
    const engine = new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [], 'data.profile': () => profileFixture });
    renderApp(engine, 'data');
    for (const id of ['chart-popularity', 'chart-per-user', 'chart-ratings', 'chart-activity']) {
      const chart = await screen.findByTestId(id);
      await waitFor(() => expect(chart.querySelector('svg')).not.toBeNull());
    }
    const bars = screen.getByTestId('chart-ratings').querySelectorAll('.recharts-bar-rectangle');
    expect(bars.length).toBe(5);
    expect(screen.getByTestId('chart-popularity').querySelector('.recharts-line-curve')?.getAttribute('d')).toMatch(/^M/);
  });

  it('imports a typed path after reading its columns, and asks for a required column it could not recognise', async () => {
    const detected: Record<string, Record<string, string | null>> = {
      '/data/log.csv': { user: 'user', item: 'item', ts: 'ts' },
      '/data/shop.csv': { user: 'customer', item: 'sku', ts: null },
    };
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => null,
      'data.preview': ({ file, kind }) => ({
        file,
        kind,
        layout: 'csv',
        columns: ['customer', 'sku', 'when', 'user', 'item', 'ts'],
        rows: [],
        detected: detected[file]!,
      }),
      'data.import': () => ({ jobId: 'imp-2' }),
    });
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/log.csv' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(engine.calls.find((c) => c.name === 'data.import')?.arg).toEqual({ interactions: '/data/log.csv' }));
    expect(screen.queryByPlaceholderText('user=customer,item=sku')).toBeNull();
    engine.emit('job.state', { jobId: 'imp-2', kind: 'data.import', state: 'succeeded', label: 'import', createdAt: '' });

    fireEvent.change(screen.getByTestId('import-interactions'), { target: { value: '/data/shop.csv' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByTestId('preview-interactions-missing')).textContent).toContain('timestamp');
    expect(engine.calls.filter((c) => c.name === 'data.import')).toHaveLength(1);
    fireEvent.change(screen.getByTestId('map-interactions-ts'), { target: { value: 'when' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(engine.calls.filter((c) => c.name === 'data.import')).toHaveLength(2));
    expect(engine.calls.filter((c) => c.name === 'data.import')[1]!.arg).toEqual({ interactions: '/data/shop.csv', map: { ts: 'when' } });
    expect(engine.calls.filter((c) => c.name === 'data.preview')).toHaveLength(2);
  });

  it('previews the columns, lets the analyst fix the mapping, and imports with only the changed fields', async () => {
    const preview = (file: string, kind: PreviewKind): FilePreview =>
      kind === 'items'
        ? { file, kind, layout: 'csv', columns: ['sku', 'name'], rows: [['p1', 'Lamp']], detected: { id: 'sku', title: 'name' } }
        : {
            file,
            kind,
            layout: 'tsv',
            columns: ['customer', 'sku', 'stars', 'when', 'shop'],
            rows: [
              ['c1', 'p1', '5', '2024-01-01', 'north'],
              ['c2', 'p2', '3', '2024-01-02', 'south'],
            ],
            detected: { user: 'customer', item: 'sku', rating: 'stars', ts: null },
          };
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => null,
      'data.preview': ({ file, kind }) => preview(file, kind),
      'data.import': () => ({ jobId: 'imp-4' }),
    });
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/shop.tsv' } });
    fireEvent.change(screen.getByPlaceholderText('/path/to/items.csv'), { target: { value: '/data/products.csv' } });
    fireEvent.click(screen.getByTestId('preview-columns'));

    const table = await screen.findByTestId('preview-interactions-table');
    expect([...table.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['customeruser', 'skuitem', 'starsrating', 'when', 'shop']);
    expect(table.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(screen.getByTestId('preview-interactions').textContent).toContain('read as tsv');
    expect((screen.getByTestId('map-interactions-user') as HTMLSelectElement).value).toBe('customer');
    expect((screen.getByTestId('map-interactions-ts') as HTMLSelectElement).value).toBe('');
    expect(screen.getByTestId('preview-interactions-missing').textContent).toContain('timestamp');
    expect((screen.getByTestId('map-items-id') as HTMLSelectElement).value).toBe('sku');
    expect(engine.calls.filter((c) => c.name === 'data.preview').map((c) => c.arg)).toEqual([
      { file: '/data/shop.tsv', kind: 'interactions' },
      { file: '/data/products.csv', kind: 'items' },
    ]);

    fireEvent.change(screen.getByTestId('map-interactions-ts'), { target: { value: 'when' } });
    fireEvent.change(screen.getByTestId('map-items-title'), { target: { value: 'sku' } });
    expect(screen.queryByTestId('preview-interactions-missing')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() =>
      expect(engine.calls.find((c) => c.name === 'data.import')?.arg).toEqual({
        interactions: '/data/shop.tsv',
        items: '/data/products.csv',
        map: { ts: 'when', title: 'sku' },
      }),
    );

    // Editing a path drops its preview and the mapping chosen on it.
    fireEvent.change(screen.getByTestId('import-interactions'), { target: { value: '/data/other.tsv' } });
    expect(screen.queryByTestId('preview-interactions')).toBeNull();
    expect(screen.getByTestId('preview-items')).toBeTruthy();
  });

  it('shows why a file cannot be previewed', async () => {
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => null,
      'data.preview': ({ file }) => {
        throw new EngineError('invalid-input', `${file}: the file is gzip-compressed; decompress it`, { file });
      },
    });
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/log.csv.gz' } });
    fireEvent.click(screen.getByTestId('preview-columns'));
    expect((await screen.findByRole('alert')).textContent).toContain('/data/log.csv.gz: the file is gzip-compressed');
  });

  it('shows engine errors as data', async () => {
    const engine = new FakeEngine({
      'workspace.info': () => info,
      'jobs.list': () => [],
      'data.profile': () => null,
      'data.preview': ({ file, kind }) => ({
        file,
        kind,
        layout: 'csv',
        columns: ['user', 'item', 'ts'],
        rows: [],
        detected: { user: 'user', item: 'item', ts: 'ts' },
      }),
      'data.import': () => ({ jobId: 'imp-3' }),
    });
    renderApp(engine, 'data');
    fireEvent.change(await screen.findByTestId('import-interactions'), { target: { value: '/data/bad.csv' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(engine.calls.some((c) => c.name === 'data.import')).toBe(true));
    engine.emit('job.state', {
      jobId: 'imp-3',
      kind: 'data.import',
      state: 'failed',
      label: 'import',
      createdAt: '',
      error: { kind: 'invalid-input', message: 'bad.csv line 3: rating "x" is not a number', details: { hint: 'fix the row or drop the rating column' } },
    });
    expect((await screen.findByRole('alert')).textContent).toContain('bad.csv line 3: rating "x" is not a number (fix the row or drop the rating column)');
  });
});

describe('Data page picks files the engine may read', () => {
  it('uploads a file chosen with Browse… or dropped (browser mode) and fills in the path it was stored at', async () => {
    const engine = new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [], 'data.profile': () => null });
    const uploaded: File[] = [];
    window.location.hash = '#/data';
    render(<App api={inProcessApi(engine, uploaded)} />);
    await screen.findByRole('button', { name: 'Choose the interactions file' });
    const file = new File(['user,item\n'], 'ratings.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByTestId('import-interactions-file'), { target: { files: [file] } });
    await waitFor(() => expect((screen.getByTestId('import-interactions') as HTMLInputElement).value).toBe('uploads/ratings.csv'));
    const catalog = new File(['item,title\n'], 'items.csv');
    fireEvent.change(screen.getByTestId('import-items-file'), { target: { files: [catalog] } });
    const dropped = new File(['user,item\n'], 'dropped.csv');
    fireEvent.drop(screen.getByText(/Drop an interaction file here/), { dataTransfer: { files: [dropped] } });
    await waitFor(() => expect((screen.getByTestId('import-interactions') as HTMLInputElement).value).toBe('uploads/dropped.csv'));
    expect(uploaded.map((f) => f.name)).toEqual(['ratings.csv', 'items.csv', 'dropped.csv']);
  });
});

describe('Data page in the desktop app', () => {
  it('fills the path from the system file dialog', async () => {
    const engine = new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [], 'data.profile': () => null });
    const purposes: string[] = [];
    window.location.hash = '#/data';
    render(<App api={{ ...inProcessApi(engine), chooseFile: async (purpose) => (purposes.push(purpose), '/home/a/ratings.csv') }} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Choose the interactions file' }));
    await waitFor(() => expect((screen.getByTestId('import-interactions') as HTMLInputElement).value).toBe('/home/a/ratings.csv'));
    expect(purposes).toEqual(['interactions']);
  });
});
