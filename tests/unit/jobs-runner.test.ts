import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEvents } from '../../main/common/contracts/api.ts';
import type { JobKind } from '../../main/common/contracts/jobs.ts';
import { createEventBus } from '../../main/engine/events.ts';
import { JobRunner } from '../../main/engine/jobs/runner.ts';

const workerUrl = new URL('../fixtures/jobs/test-worker.ts', import.meta.url);
let runner: JobRunner | null = null;

function makeRunner(size = 1, closeGraceMs?: number): { runner: JobRunner; events: { event: EngineEvent; payload: EngineEvents[EngineEvent] }[] } {
  const bus = createEventBus();
  const events: { event: EngineEvent; payload: EngineEvents[EngineEvent] }[] = [];
  for (const e of ['job.state', 'job.progress', 'job.log'] as const) bus.on(e, (payload) => events.push({ event: e, payload }));
  runner = new JobRunner({ workspace: '/tmp', workerUrl, size, emit: bus.emit, closeGraceMs });
  return { runner, events };
}

// The test worker's job kinds are not product kinds; the runner dispatches any kind string.
const kind = (k: string): JobKind => k as JobKind;

afterEach(async () => {
  await runner?.close();
  runner = null;
});

describe('JobRunner', () => {
  it('runs a job in a worker, forwarding progress, logs and the result', async () => {
    const { runner, events } = makeRunner();
    const job = runner.start(kind('count'), 'count', { n: 3 });
    const done = await runner.wait(job.jobId);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual({ counted: 3 });
    const progress = events.filter((e) => e.event === 'job.progress').map((e) => (e.payload as EngineEvents['job.progress']).current);
    expect(progress).toEqual([1, 2, 3]);
    expect(events.some((e) => e.event === 'job.log' && (e.payload as EngineEvents['job.log']).message === 'counted to 3')).toBe(true);
    const states = events.filter((e) => e.event === 'job.state').map((e) => (e.payload as EngineEvents['job.state']).state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
  });

  it('cancels a running job through its AbortSignal', async () => {
    const { runner } = makeRunner();
    const job = runner.start(kind('until-cancelled'), 'wait', null);
    await new Promise((r) => setTimeout(r, 50));
    expect(runner.cancel(job.jobId)).toBe(true);
    const done = await runner.wait(job.jobId);
    expect(done.state).toBe('cancelled');
  });

  it('cancels a queued job without running it', async () => {
    const { runner } = makeRunner(1);
    const first = runner.start(kind('until-cancelled'), 'first', null);
    const second = runner.start(kind('count'), 'second', { n: 1 });
    expect(runner.get(second.jobId).state).toBe('queued');
    runner.cancel(second.jobId);
    expect((await runner.wait(second.jobId)).state).toBe('cancelled');
    runner.cancel(first.jobId);
    await runner.wait(first.jobId);
  });

  it('fails a job with the error and its stack as data', async () => {
    const { runner } = makeRunner();
    const done = await runner.wait(runner.start(kind('fail'), 'fail', null).jobId);
    expect(done.state).toBe('failed');
    expect(done.error?.message).toBe('boom');
    expect(done.error?.stack).toContain('test-worker.ts');
  });

  it('fails the job of a crashed worker with a clear error and replaces the worker', async () => {
    const { runner } = makeRunner(1);
    const crashed = await runner.wait(runner.start(kind('crash'), 'crash', null).jobId);
    expect(crashed.state).toBe('failed');
    expect(crashed.error?.kind).toBe('worker-crashed');
    expect(crashed.error?.message).toMatch(/exited with code 7/);
    const next = await runner.wait(runner.start(kind('count'), 'after crash', { n: 2 }).jobId);
    expect(next.state).toBe('succeeded');
  });

  it('ends a job that ignores cancellation as cancelled once close() has waited its grace period', { timeout: 15_000 }, async () => {
    const { runner } = makeRunner(1, 100);
    const job = runner.start(kind('ignore-cancel'), 'stubborn', null);
    await new Promise((r) => setTimeout(r, 50));
    const settled = runner.wait(job.jobId);
    await runner.close();
    expect(await settled).toMatchObject({ state: 'cancelled', error: { kind: 'cancelled', message: 'job worker was closed' } });
  });

  it('runs jobs in parallel up to the pool size while the main thread stays responsive', async () => {
    const { runner } = makeRunner(2);
    const a = runner.start(kind('busy'), 'a', { ms: 400 });
    const b = runner.start(kind('busy'), 'b', { ms: 400 });
    await new Promise((r) => setTimeout(r, 30));
    expect([runner.get(a.jobId).state, runner.get(b.jobId).state]).toEqual(['running', 'running']);
    let worstLag = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 10));
      worstLag = Math.max(worstLag, performance.now() - t0 - 10);
    }
    // both workers spin their cores; a blocked main thread would lag by the jobs' 400 ms
    expect(worstLag).toBeLessThan(200);
    expect((await runner.wait(a.jobId)).state).toBe('succeeded');
    expect((await runner.wait(b.jobId)).state).toBe('succeeded');
  });

  it('gives each job the environment as it is when the job starts (an API key set or cleared after the workers started)', async () => {
    const { runner } = makeRunner();
    const read = async () => (await runner.wait(runner.start(kind('env'), 'env', { name: 'TRAINYARD_TEST_API_KEY' }).jobId)).result;
    expect(await read()).toBeNull();
    process.env.TRAINYARD_TEST_API_KEY = 'sk-set-later';
    try {
      expect(await read()).toBe('sk-set-later');
    } finally {
      delete process.env.TRAINYARD_TEST_API_KEY;
    }
    expect(await read()).toBeNull();
  });
});
