import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../main/engine/contracts/runs.ts';
import { createRun, deleteRun, latestRunId, listRuns, newRunId, promoteRun, resolveRunId, saveManifest } from '../../main/engine/runs/registry.ts';
import { ensureWorkspace } from '../../main/engine/runs/workspace.ts';

function manifest(runId: string, status: RunManifest['status']): RunManifest {
  return { runId, status, createdAt: new Date().toISOString(), packageVersion: '0.0.0', config: {}, resolvedParams: {}, dataset: null, split: null, stages: [], timings: {} };
}

describe('run registry', () => {
  const paths = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-runs-')));

  it('gives unique, sortable run ids even within one second', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const a = newRunId(paths, now);
    createRun(paths, manifest(a, 'running'));
    const b = newRunId(paths, now);
    expect(a).toBe('run_20260102T030405');
    expect(b).toBe('run_20260102T030405_2');
  });

  it('moves LATEST only to succeeded runs; failed runs stay listed with their error', () => {
    const ok = newRunId(paths, new Date('2026-01-03T00:00:00Z'));
    createRun(paths, manifest(ok, 'succeeded'));
    promoteRun(paths, ok);
    expect(readFileSync(paths.latest, 'utf8').trim()).toBe(ok);

    const bad = newRunId(paths, new Date('2026-01-04T00:00:00Z'));
    createRun(paths, { ...manifest(bad, 'failed'), error: { kind: 'invalid-input', message: 'broken file' } });
    expect(() => promoteRun(paths, bad)).toThrow(/only a succeeded run/);
    expect(latestRunId(paths)).toBe(ok);
    const listed = listRuns(paths).find((r) => r.runId === bad);
    expect(listed?.status).toBe('failed');
    expect(listed?.error?.message).toBe('broken file');
    expect(resolveRunId(paths, 'latest')).toBe(ok);
  });

  it('rolls back by promoting an older run, and refuses to delete LATEST', () => {
    const older = newRunId(paths, new Date('2026-02-01T00:00:00Z'));
    createRun(paths, manifest(older, 'succeeded'));
    const newer = newRunId(paths, new Date('2026-02-02T00:00:00Z'));
    createRun(paths, manifest(newer, 'running'));
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
