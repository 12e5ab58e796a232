import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressUpdate } from '../../main/engine/common/task-context.ts';
import { WorkerClient, type WorkerClientOptions } from '../../main/engine/common/worker-rpc.ts';
import type { TestCall } from '../fixtures/rpc/rpc-worker.ts';

const workerUrl = new URL('../fixtures/rpc/rpc-worker.ts', import.meta.url);
const clients: WorkerClient<TestCall, unknown>[] = [];

function client(options: Partial<WorkerClientOptions> = {}): WorkerClient<TestCall, unknown> {
  const c = new WorkerClient<TestCall, unknown>(workerUrl, { name: 'test worker', ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('WorkerClient and serveRpc', () => {
  it('matches each answer to its call when answers come back out of order', async () => {
    const c = client();
    const delays = [60, 0, 30, 10, 45, 0];
    const answers = await Promise.all(delays.map((ms, i) => c.call({ op: 'echo', value: `call ${i}`, ms })));
    expect(answers).toEqual(delays.map((_, i) => `call ${i}`));
  });

  it("forwards a call's progress and logs to that call's context only", async () => {
    const c = client();
    const seen: [string, number][] = [];
    const logs: string[] = [];
    const ctx = (name: string) => ({
      progress: (u: ProgressUpdate) => seen.push([name, u.current]),
      log: (_l: string, m: string) => logs.push(`${name}: ${m}`),
    });
    await Promise.all([c.call({ op: 'report', n: 2 }, ctx('a')), c.call({ op: 'report', n: 3 }, ctx('b'))]);
    expect(seen.filter(([n]) => n === 'a').map(([, v]) => v)).toEqual([1, 2]);
    expect(seen.filter(([n]) => n === 'b').map(([, v]) => v)).toEqual([1, 2, 3]);
    expect(logs.sort()).toEqual(['a: reported 2', 'b: reported 3']);
  });

  it('rejects with the EngineError the worker threw, kind and details kept, and serves the next call', async () => {
    const c = client();
    await expect(c.call({ op: 'fail' })).rejects.toMatchObject({
      name: 'EngineError',
      kind: 'invalid-input',
      message: 'bad row',
      details: { file: 'x.csv', line: 3, hint: 'fix it' },
    });
    expect(await c.call({ op: 'echo', value: 'still here' })).toBe('still here');
  });

  it('moves transferred answers across', async () => {
    const c = client();
    expect(Array.from((await c.call({ op: 'bytes', n: 3 })) as Float32Array)).toEqual([1, 1, 1]);
  });

  it('fails every pending call of a worker that exits mid-call, and every later call at once (sticky)', async () => {
    const c = client();
    const slow = c.call({ op: 'echo', value: 'never', ms: 5_000 });
    const dying = c.call({ op: 'exit', code: 7 });
    await expect(dying).rejects.toMatchObject({ kind: 'worker-crashed', message: 'test worker exited with code 7' });
    await expect(slow).rejects.toMatchObject({ kind: 'worker-crashed', message: 'test worker exited with code 7' });
    await expect(c.call({ op: 'echo', value: 'x' })).rejects.toMatchObject({ kind: 'worker-crashed' });
    expect(c.thread).toBeNull(); // refused without starting a worker
    expect(c.failure?.kind).toBe('worker-crashed');
  });

  it('names an uncaught exception in the worker in the error of the call it broke', async () => {
    const c = client();
    await expect(c.call({ op: 'throw-later', message: 'kernel blew up' })).rejects.toMatchObject({
      kind: 'worker-crashed',
      message: 'test worker crashed: kernel blew up',
    });
  });

  it('fails the calls of a worker ended from outside', async () => {
    const c = client();
    const pending = c.call({ op: 'until-cancelled' });
    await c.thread!.terminate();
    await expect(pending).rejects.toMatchObject({ kind: 'worker-crashed' });
    await expect(c.call({ op: 'echo', value: 'x' })).rejects.toMatchObject({ kind: 'worker-crashed' });
  });

  it('starts a new worker for the next call under the restart policy, and tells which thread was lost', async () => {
    const lost: number[] = [];
    const c = client({ restart: 'restart', onLost: (thread) => lost.push(thread) });
    const first = (await c.call({ op: 'thread' })) as number;
    await expect(c.call({ op: 'exit', code: 3 })).rejects.toMatchObject({ kind: 'worker-crashed', message: /exited with code 3/ });
    expect(c.failure).toBeNull();
    const second = (await c.call({ op: 'thread' })) as number;
    expect(second).not.toBe(first);
    await vi.waitFor(() => expect(lost).toEqual([first]));
  });

  it('aborts the call in the worker when its signal fires, leaving other calls alone', async () => {
    const c = client();
    const controller = new AbortController();
    const cancelled = c.call({ op: 'until-cancelled' }, { signal: controller.signal });
    const other = c.call({ op: 'echo', value: 'other', ms: 80 });
    setTimeout(() => controller.abort(), 30);
    await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
    expect(await other).toBe('other');
  });

  it('does not send a call whose signal has already fired', async () => {
    const c = client();
    const controller = new AbortController();
    controller.abort();
    await expect(c.call({ op: 'exit', code: 9 }, { signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
    expect(await c.call({ op: 'echo', value: 'alive' })).toBe('alive');
  });

  it('fails pending and later calls as cancelled once closed', async () => {
    const c = client();
    const pending = expect(c.call({ op: 'until-cancelled' })).rejects.toMatchObject({ kind: 'cancelled', message: 'test worker was closed' });
    await c.close();
    await pending;
    await expect(c.call({ op: 'echo', value: 'x' })).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('starts its thread with the first call, not before', async () => {
    const c = client();
    expect(c.thread).toBeNull();
    await c.close();
    expect(c.thread).toBeNull();
    const d = client();
    await d.call({ op: 'echo', value: 'x' });
    expect(d.thread).not.toBeNull();
  });

  it('closes a worker still loading its modules only once they are loaded', async () => {
    const loadedFile = join(mkdtempSync(join(tmpdir(), 'ty-rpc-')), 'loaded');
    const c = new WorkerClient<string, string>(new URL('../fixtures/rpc/slow-loading-worker.ts', import.meta.url), {
      name: 'slow worker',
      worker: { workerData: { loadedFile } },
    });
    const call = expect(c.call('never answered')).rejects.toMatchObject({ kind: 'cancelled' });
    await c.close();
    await call;
    expect(existsSync(loadedFile)).toBe(true);
  });

  it('lets the process exit when no call is in flight, also after a request that could not be sent', async () => {
    const script = `
      import { WorkerClient } from ${JSON.stringify(fileURLToPath(new URL('../../main/engine/common/worker-rpc.ts', import.meta.url)))};
      const c = new WorkerClient(new URL(${JSON.stringify(workerUrl.href)}), { name: 'idle' });
      await c.call({ op: 'echo', value: () => 'a function cannot be cloned' }).catch((err) => console.log(err.name));
      console.log(await c.call({ op: 'echo', value: 'answered', ms: 50 }));
    `;
    const file = join(mkdtempSync(join(tmpdir(), 'ty-rpc-')), 'idle.mjs');
    writeFileSync(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 10_000 });
    expect(stdout.trim().split('\n')).toEqual(['DataCloneError', 'answered']);
  });
});
