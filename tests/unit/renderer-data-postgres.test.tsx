// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRequestArg } from '../../main/engine/request-args.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { profileFixture } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

const info = { path: '/tmp/ws', latestRunId: null, threads: 2, version: '0.1.0' };
const engineWithProfile = () =>
  new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [], 'data.profile': () => profileFixture, 'data.import': () => ({ jobId: 'imp-pg' }) });

describe('Data page: import from PostgreSQL', () => {
  it('sends the connection and the queries as data.import source, which the engine accepts', async () => {
    const engine = engineWithProfile();
    renderApp(engine, 'data');
    const start = (await screen.findByTestId('postgres-import-start')) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Connection'), { target: { value: ' postgres://analyst@db:5432/shop ' } });
    fireEvent.change(screen.getByLabelText('Interactions query'), {
      target: { value: 'select customer AS user_id, sku AS item_id, at AS timestamp from clicks' },
    });
    fireEvent.change(screen.getByLabelText('Item catalogue query (optional)'), { target: { value: 'select sku, title from products' } });
    await waitFor(() => expect(start.disabled).toBe(false));
    fireEvent.click(start);
    await waitFor(() => expect(engine.calls.some((c) => c.name === 'data.import')).toBe(true));
    const arg = engine.calls.find((c) => c.name === 'data.import')!.arg;
    expect(arg).toEqual({
      source: {
        url: 'postgres://analyst@db:5432/shop',
        query: 'select customer AS user_id, sku AS item_id, at AS timestamp from clicks',
        itemsQuery: 'select sku, title from products',
      },
    });
    expect(parseRequestArg('data.import', arg)).toEqual(arg);
  });

  it('says where the password comes from, and refuses a URL that is not postgres://', async () => {
    renderApp(engineWithProfile(), 'data');
    const url = await screen.findByLabelText('Connection');
    expect(url.getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('postgres-import').textContent).toMatch(/TRAINYARD_PG_PASSWORD or PGPASSWORD in the environment of `trainyard serve`/);
    fireEvent.change(url, { target: { value: 'mysql://analyst@db/shop' } });
    fireEvent.change(screen.getByLabelText('Interactions query'), { target: { value: 'select 1' } });
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('postgres-import').textContent).toContain('a PostgreSQL URL starts with postgres://');
    expect((screen.getByTestId('postgres-import-start') as HTMLButtonElement).disabled).toBe(true);
  });
});
