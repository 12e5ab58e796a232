import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import {
  createRun,
  deleteRun,
  latestClassifierRun,
  latestRunId,
  listRuns,
  promoteRun,
  resolveRunId,
  saveManifest,
  showRun,
} from '../../main/engine/runs/registry.ts';
import { ensureWorkspace, type WorkspacePaths } from '../../main/engine/runs/workspace.ts';

function manifest(runId: string, status: RunManifest['status']): RunManifest {
  return {
    runId,
    status,
    createdAt: new Date().toISOString(),
    packageVersion: '0.0.0',
    config: {},
    resolvedParams: {},
    dataset: null,
    split: null,
    stages: [],
    timings: {},
  };
}

/** Creates a run with the given status at `now` and returns its id. */
function newRun(paths: WorkspacePaths, now: Date, status: RunManifest['status'], extra: Partial<RunManifest> = {}): string {
  return createRun(paths, (runId) => ({ ...manifest(runId, status), ...extra }), now).runId;
}

describe('run registry', () => {
  const paths = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-runs-')));

  it('gives unique, sortable run ids even within one second', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const a = newRun(paths, now, 'running');
    const b = newRun(paths, now, 'running');
    expect(a).toBe('run_20260102T030405');
    expect(b).toBe('run_20260102T030405_2');
  });

  it('gives runs created at the same moment by several threads distinct ids, none failing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ty-runs-race-'));
    ensureWorkspace(root);
    const total = 8;
    const gate = new SharedArrayBuffer(4);
    const results = await Promise.all(
      Array.from({ length: total }, () => {
        const w = new Worker(new URL('../fixtures/runs/create-run-worker.ts', import.meta.url), {
          workerData: { root, now: '2026-01-05T06:07:08Z', gate, total },
        });
        return new Promise<{ runId?: string; error?: string }>((resolve, reject) => {
          w.once('message', (m: { runId?: string; error?: string }) => void w.terminate().then(() => resolve(m)));
          w.once('error', reject);
        });
      }),
    );
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(new Set(results.map((r) => r.runId)).size).toBe(total);
  });

  it('moves LATEST only to succeeded runs; failed runs stay listed with their error', () => {
    const ok = newRun(paths, new Date('2026-01-03T00:00:00Z'), 'succeeded');
    promoteRun(paths, ok);
    expect(readFileSync(paths.latest, 'utf8').trim()).toBe(ok);

    const bad = newRun(paths, new Date('2026-01-04T00:00:00Z'), 'failed', { error: { kind: 'invalid-input', message: 'broken file' } });
    expect(() => promoteRun(paths, bad)).toThrow(/only a succeeded run/);
    expect(latestRunId(paths)).toBe(ok);
    const listed = listRuns(paths).find((r) => r.runId === bad);
    expect(listed?.status).toBe('failed');
    expect(listed?.error?.message).toBe('broken file');
    expect(resolveRunId(paths, 'latest')).toBe(ok);
  });

  it('rolls back by promoting an older run, and refuses to delete LATEST', () => {
    const older = newRun(paths, new Date('2026-02-01T00:00:00Z'), 'succeeded');
    const newer = newRun(paths, new Date('2026-02-02T00:00:00Z'), 'running');
    saveManifest(paths, manifest(newer, 'succeeded'));
    promoteRun(paths, newer);
    promoteRun(paths, older);
    expect(latestRunId(paths)).toBe(older);
    expect(() => deleteRun(paths, older)).toThrow(/is LATEST/);
    deleteRun(paths, newer);
    expect(existsSync(join(paths.runs, newer))).toBe(false);
    expect(() => resolveRunId(paths, newer)).toThrow(/not found/);
  });

  it('lists a run whose manifest or metrics are damaged as damaged, naming the file, and lists the others', () => {
    const ws = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-runs-damaged-')));
    const good = newRun(ws, new Date('2026-03-01T00:00:00Z'), 'succeeded', { kind: 'classifier' });
    const torn = newRun(ws, new Date('2026-03-02T00:00:00Z'), 'succeeded');
    const nullJson = newRun(ws, new Date('2026-03-03T00:00:00Z'), 'succeeded');
    const badMetrics = newRun(ws, new Date('2026-03-04T00:00:00Z'), 'succeeded');
    writeFileSync(join(ws.runs, torn, 'manifest.json'), '{"runId": "run_2026');
    writeFileSync(join(ws.runs, nullJson, 'manifest.json'), 'null');
    writeFileSync(join(ws.runs, badMetrics, 'metrics.json'), 'garbage');

    const listed = listRuns(ws);
    expect(listed.map((r) => [r.runId, r.status])).toEqual([
      [badMetrics, 'damaged'],
      [nullJson, 'damaged'],
      [torn, 'damaged'],
      [good, 'succeeded'],
    ]);
    const damaged = listed.find((r) => r.runId === torn)!;
    expect(damaged.error?.message).toMatch(`runs/${torn}/manifest.json`);
    expect(damaged.error?.details?.file).toBe(join(ws.runs, torn, 'manifest.json'));
    expect(damaged.createdAt).toBe('2026-03-02T00:00:00.000Z');
    expect(listed.find((r) => r.runId === badMetrics)!.error?.details?.file).toBe(join(ws.runs, badMetrics, 'metrics.json'));

    expect(() => showRun(ws, resolveRunId(ws, nullJson))).toThrow(`runs/${nullJson}/manifest.json`);
    // classify predict finds the newest readable classifier past damaged runs
    expect(latestClassifierRun(ws)).toBe(good);
    deleteRun(ws, torn);
    expect(existsSync(join(ws.runs, torn))).toBe(false);
  });
});
