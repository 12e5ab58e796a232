import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { JobKind } from '../../main/common/contracts/jobs.ts';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { createEngine } from '../../main/engine/index.ts';
import { currentOwner, ownerAlive, processStart } from '../../main/engine/common/process-owner.ts';
import { JobRunner } from '../../main/engine/jobs/runner.ts';
import { settleLostThread } from '../../main/engine/runs/reconcile.ts';
import { readManifest } from '../../main/engine/runs/registry.ts';
import { workspacePaths } from '../../main/engine/runs/workspace.ts';
import { openWorkspaceDb } from '../../main/engine/store/db.ts';

/** The pid of a process that has exited and been collected: no process has it (until the OS reuses it). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('process owners', () => {
  it('the owner of this process is alive; the same pid with another start time is a different process', () => {
    const me = currentOwner();
    expect(me.pid).toBe(process.pid);
    expect(me.started).not.toBe('');
    expect(ownerAlive(me)).toBe(true);
    expect(ownerAlive({ ...me, started: `${me.started}0` })).toBe(false);
  });

  it('a pid no process has is gone; another host cannot be asked and counts as alive', () => {
    const pid = deadPid();
    expect(processStart(pid)).toEqual({ state: 'gone' });
    expect(ownerAlive({ pid, host: hostname(), started: 'x' })).toBe(false);
    expect(ownerAlive({ pid, host: hostname(), started: '' })).toBe(false);
    expect(ownerAlive({ pid, host: `${hostname()}-elsewhere`, started: 'x' })).toBe(true);
  });

  it('ps gives a start time where /proc does not exist (macOS, BSD)', () => {
    const viaPs = processStart(process.pid, 'darwin');
    expect(viaPs.state).toBe('running');
    expect(viaPs.state === 'running' && viaPs.started).toMatch(/\d\d:\d\d:\d\d/);
    expect(processStart(deadPid(), 'darwin')).toEqual({ state: 'gone' });
    expect(processStart(process.pid, 'win32')).toEqual({ state: 'unknown' });
  });

  it('a zombie (exited, not yet collected by its parent) is gone', async () => {
    // the child exits at once; its parent (sh) sleeps without collecting it
    const sh = spawn('sh', ['-c', 'sleep 0 & exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => {
        const poll = setInterval(() => {
          const out = spawnSync('ps', ['-o', 'pid=,stat=', '--ppid', String(sh.pid)], { encoding: 'utf8' }).stdout.trim();
          const z = /^(\d+)\s+Z/m.exec(out);
          if (z) {
            clearInterval(poll);
            resolve(Number(z[1]));
          }
        }, 20);
      });
      expect(processStart(zombie)).toEqual({ state: 'gone' });
    } finally {
      sh.kill('SIGKILL');
    }
  });
});

describe('opening a workspace reconciles runs by their owner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-owner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runningRun(ws: string, runId: string, owner: RunManifest['owner']): void {
    const manifest: RunManifest = {
      runId,
      status: 'running',
      createdAt: '2026-01-01T12:00:00.000Z',
      ...(owner ? { owner } : {}),
      packageVersion: '0',
      config: {},
      resolvedParams: {},
      dataset: null,
      split: null,
      stages: [
        { name: 'popularity', status: 'succeeded' },
        { name: 'als', status: 'running' },
        { name: 'semantic', status: 'pending' },
      ],
      timings: {},
    };
    mkdirSync(join(workspacePaths(ws).runs, runId), { recursive: true });
    writeFileSync(join(workspacePaths(ws).runs, runId, 'manifest.json'), JSON.stringify(manifest));
  }

  it('a live owner keeps its run; a reused pid, a dead pid or no owner at all make it interrupted', async () => {
    const ws = join(dir, 'ws');
    const sleeper = spawn('sleep', ['30']);
    const sleeperOwner = { pid: sleeper.pid!, host: hostname(), started: (processStart(sleeper.pid!) as { started: string }).started };
    try {
      runningRun(ws, 'run_20260101T120000', currentOwner());
      runningRun(ws, 'run_20260101T120001', sleeperOwner);
      // the pid belongs to a live process that started at another time than the recorded owner
      runningRun(ws, 'run_20260101T120002', { ...sleeperOwner, started: `${sleeperOwner.started}7` });
      runningRun(ws, 'run_20260101T120003', { pid: deadPid(), host: hostname(), started: 'x' });
      runningRun(ws, 'run_20260101T120004', undefined);
      const engine = await createEngine({ workspace: ws, workers: 1 });
      try {
        const status = Object.fromEntries((await engine.request('runs.list', undefined)).map((r) => [r.runId, r.status]));
        expect(status).toEqual({
          run_20260101T120000: 'running',
          run_20260101T120001: 'running',
          run_20260101T120002: 'interrupted',
          run_20260101T120003: 'interrupted',
          run_20260101T120004: 'interrupted',
        });
        const detail = await engine.request('runs.show', { run: 'run_20260101T120002' });
        expect(detail.manifest.stages.map((s) => s.status)).toEqual(['succeeded', 'failed', 'skipped']);
        expect(detail.manifest.finishedAt).toBeDefined();
        await engine.request('runs.delete', { run: 'run_20260101T120002' });
        await expect(engine.request('runs.delete', { run: 'run_20260101T120001' })).rejects.toMatchObject({ kind: 'conflict' });
      } finally {
        await engine.close();
      }
    } finally {
      sleeper.kill();
    }
  });
});

describe('a job worker thread that dies', () => {
  it('leaves no run running: the run it owned is interrupted while the process lives on', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ty-thread-'));
    const paths = workspacePaths(ws);
    mkdirSync(paths.runs);
    const db = await openWorkspaceDb(paths.db);
    const lost: string[][] = [];
    const runner = new JobRunner({
      workspace: ws,
      workerUrl: new URL('../fixtures/jobs/test-worker.ts', import.meta.url),
      size: 1,
      emit: () => {},
      onWorkerLost: (thread) => lost.push(settleLostThread(paths, db, thread)),
    });
    try {
      const job = await runner.wait(runner.start('run-then-crash' as JobKind, 'crash', null).jobId);
      expect(job.error?.kind).toBe('worker-crashed');
      await vi.waitFor(() => expect(lost).toHaveLength(1));
      const [runId] = lost[0]!;
      const manifest = readManifest(paths, runId!);
      expect(manifest.owner).toMatchObject({ pid: process.pid, thread: expect.any(Number) });
      expect(manifest.owner!.thread).not.toBe(0);
      expect(manifest).toMatchObject({ status: 'interrupted', error: { message: expect.stringMatching(/^interrupted: the worker thread that ran it ended/) } });
    } finally {
      await runner.close();
      db.close();
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
