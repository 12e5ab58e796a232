import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../main/common/contracts/jobs.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { startServer, type RunningServer } from '../../main/server/index.ts';
import { call } from '../../renderer/api/context.tsx';
import { ApiError } from '../../renderer/api/errors.ts';
import { createHttpClient } from '../../renderer/api/http-client.ts';
import { FakeEngine } from '../support/fake-engine.ts';

describe('browser-mode client against the real server', () => {
  let engine: FakeEngine;
  let server: RunningServer;
  let workspace: string;

  beforeEach(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'ty-ws-'));
    engine = new FakeEngine({
      'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 2, version: '0.1.0' }),
      'runs.show': () => {
        throw new EngineError('not-found', 'no such run', { run: 'x' });
      },
      'jobs.cancel': ({ jobId }) => ({ cancelled: jobId === 'j1' }),
    });
    server = await startServer({ engine, port: 0, staticDir: mkdtempSync(join(tmpdir(), 'ty-static-')), workspace });
  });
  afterEach(() => server.close());

  it('invokes requests and unwraps errors with their kind', async () => {
    const api = createHttpClient({ origin: server.origin, token: server.token });
    expect(await call(api, 'workspace.info', undefined)).toMatchObject({ path: '/ws' });
    expect(await api.cancel('j1')).toEqual({ ok: true, value: { cancelled: true } });
    const err = await call(api, 'runs.show', { run: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('not-found');
    expect((err as ApiError).details).toEqual({ run: 'x' });
  });

  it('uploads a file into the workspace and hands back the path to use in requests', async () => {
    const api = createHttpClient({ origin: server.origin, token: server.token });
    const path = await api.useFile(new File(['user,item\nu1,é\n'], 'my ratings.csv'));
    expect(path.startsWith(join(workspace, 'uploads'))).toBe(true);
    expect(path.endsWith('/my ratings.csv')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('user,item\nu1,é\n');
    await expect(createHttpClient({ origin: server.origin, token: 'wrong' }).useFile(new File(['x'], 'x.csv'))).rejects.toBeInstanceOf(ApiError);
  });

  it('gets 401 as an error result with a wrong token', async () => {
    const api = createHttpClient({ origin: server.origin, token: 'wrong' });
    const res = await api.invoke('workspace.info', undefined);
    expect(res.ok).toBe(false);
  });

  it('delivers events to listeners and stops after unsubscribe', async () => {
    const api = createHttpClient({ origin: server.origin, token: server.token });
    const got: JobProgress[] = [];
    const first = new Promise<void>((resolve) => {
      const off = api.on('job.progress', (p) => {
        got.push(p);
        off();
        resolve();
      });
    });
    // The socket opens asynchronously: emit until the listener has heard one event.
    const p: JobProgress = { jobId: 'j1', stage: 'als', current: 1, total: 2, unit: 'iter' };
    const timer = setInterval(() => engine.emit('job.progress', p), 20);
    await first;
    clearInterval(timer);
    const count = got.length;
    engine.emit('job.progress', p);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.length).toBe(count);
    expect(got[0]).toEqual(p);
  });
});
