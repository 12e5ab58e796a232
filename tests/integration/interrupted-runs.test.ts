import Database from 'better-sqlite3';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { createEngine } from '../../main/engine/index.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';

// Kill and signal tests: each drives the real CLI in a child process and opens the workspace afterwards.
const BIN = new URL('../../bin/trainyard.js', import.meta.url).pathname;
const run = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), 'ty-interrupt-'));
const ws = join(dir, 'ws');
const sample = join(dir, 'sample');
const big = join(dir, 'big');
let latest = '';

function cli(...args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, '--workspace', ws, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

const manifestOf = (runId: string) => JSON.parse(readFileSync(join(ws, 'runs', runId, 'manifest.json'), 'utf8')) as RunManifest;
const runIds = () => (existsSync(join(ws, 'runs')) ? readdirSync(join(ws, 'runs')).filter((n) => n.startsWith('run_')) : []);

async function until<T>(what: string, probe: () => T | undefined, child: ChildProcess, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before ${what}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a training that runs for minutes and resolves once its run folder says `running`. */
async function startSlowTraining(): Promise<{ child: ChildProcess; runId: string }> {
  const before = new Set(runIds());
  const child = cli('train', '--interactions', join(sample, 'interactions.csv'), '--stages', 'als', '--set', 'als.iterations=1000', '--set', 'als.factors=256');
  const runId = await until('a running run', () => runIds().find((id) => !before.has(id) && existsSync(join(ws, 'runs', id, 'manifest.json'))), child);
  return { child, runId };
}

beforeAll(async () => {
  await generateSample({ out: sample, users: 300, items: 150, interactions: 4000, seed: 2 }, silentContext());
  await generateSample({ out: big, users: 3000, items: 1500, interactions: 200_000, seed: 3 }, silentContext());
  await run(process.execPath, [BIN, '--workspace', ws, 'train', '--interactions', join(sample, 'interactions.csv'), '--stages', 'popularity']);
  latest = readFileSync(join(ws, 'LATEST'), 'utf8').trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runs whose process ends', () => {
  it('kill -9: the run stays running until the workspace is opened again, then it is interrupted and can be deleted', async () => {
    const { child, runId } = await startSlowTraining();
    child.kill('SIGKILL');
    await exited(child);
    expect(manifestOf(runId).status).toBe('running');

    const engine = await createEngine({ workspace: ws, workers: 1 });
    try {
      const summary = (await engine.request('runs.list', undefined)).find((r) => r.runId === runId)!;
      expect(summary.status).toBe('interrupted');
      expect(summary.error?.message).toMatch(/interrupted: the process that ran it \(pid \d+\) ended/);
      expect(manifestOf(runId).stages.filter((s) => s.status === 'running' || s.status === 'pending')).toEqual([]);
      await engine.request('runs.delete', { run: runId });
      expect(existsSync(join(ws, 'runs', runId))).toBe(false);
    } finally {
      await engine.close();
    }
    expect(readFileSync(join(ws, 'LATEST'), 'utf8').trim()).toBe(latest);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s cancels the job like Ctrl-C: the run is cancelled and the CLI exits with %i', async (signal, code) => {
    const { child, runId } = await startSlowTraining();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.kill(signal);
    expect(await exited(child), stderr).toEqual({ code, signal: null });
    expect(manifestOf(runId)).toMatchObject({ status: 'cancelled', error: { kind: 'cancelled' } });
    expect(readFileSync(join(ws, 'LATEST'), 'utf8').trim()).toBe(latest);
  });

  it('a run whose process is alive stays running when another process opens the workspace', async () => {
    const { child, runId } = await startSlowTraining();
    try {
      const engine = await createEngine({ workspace: ws, workers: 1 });
      try {
        expect((await engine.request('runs.list', undefined)).find((r) => r.runId === runId)!.status).toBe('running');
        await expect(engine.request('runs.delete', { run: runId })).rejects.toMatchObject({ kind: 'conflict' });
      } finally {
        await engine.close();
      }
      expect(manifestOf(runId).status).toBe('running');
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('trainyard serve cancels its jobs on SIGHUP (a closed terminal) and exits with 129', async () => {
    const child = spawn(process.execPath, [BIN, '--workspace', ws, '--json', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<URL>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(new URL((JSON.parse(d.toString()) as { url: string }).url)));
      child.once('exit', (c) => reject(new Error(`serve exited with ${c}`)));
    });
    const token = url.searchParams.get('token')!;
    const before = new Set(runIds());
    // no data given: the run trains on the workspace's latest dataset
    const res = await fetch(`${url.origin}/api/train.start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { stages: ['als'] }, set: ['als.iterations=1000', 'als.factors=256'] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const runId = await until('a running run', () => runIds().find((id) => !before.has(id) && existsSync(join(ws, 'runs', id, 'manifest.json'))), child);
    child.kill('SIGHUP');
    expect(await exited(child)).toEqual({ code: 129, signal: null });
    expect(manifestOf(runId).status).toBe('cancelled');
  });
});

describe('imports whose process ends', () => {
  it('kill -9 while an import is staged: opening the workspace removes its rows', async () => {
    const db = new Database(join(ws, 'trainyard.db'), { readonly: true });
    const staged = () => (db.prepare(`SELECT count(*) AS n FROM datasets WHERE state = 'staging'`).get() as { n: number }).n;
    const child = cli('data', 'import', join(big, 'interactions.csv'));
    try {
      await until('a staged import', () => (staged() > 0 ? true : undefined), child);
      child.kill('SIGKILL');
      await exited(child);
      expect(staged()).toBe(1);
      const engine = await createEngine({ workspace: ws, workers: 1 });
      await engine.close();
      expect(staged()).toBe(0);
    } finally {
      db.close();
    }
  });
});
