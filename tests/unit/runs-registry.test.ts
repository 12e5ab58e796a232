import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../main/engine/contracts/runs.ts';
import { createRun, deleteRun, latestRunId, listRuns, promoteRun, resolveRunId, saveManifest } from '../../main/engine/runs/registry.ts';
import { ensureWorkspace, type WorkspacePaths } from '../../main/engine/runs/workspace.ts';

function manifest(runId: string, status: RunManifest['status']): RunManifest {
  return { runId, status, createdAt: new Date().toISOString(), packageVersion: '0.0.0', config: {}, resolvedParams: {}, dataset: null, split: null, stages: [], timings: {} };
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
        const w = new Worker(new URL('../fixtures/runs/create-run-worker.ts', import.meta.url), { workerData: { root, now: '2026-01-05T06:07:08Z', gate, total } });
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
});
