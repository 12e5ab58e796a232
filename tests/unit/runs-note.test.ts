import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { createRun, listRuns, saveManifest, setRunNote } from '../../main/engine/runs/registry.ts';
import { ensureWorkspace } from '../../main/engine/runs/workspace.ts';

function manifest(runId: string, status: RunManifest['status']): RunManifest {
  return {
    runId,
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    packageVersion: '0.0.0',
    config: {},
    resolvedParams: {},
    dataset: { id: 'ds_1', fingerprint: 'f', users: 3, items: 2, interactions: 5 },
    split: null,
    stages: [],
    timings: {},
  };
}

describe('run notes', () => {
  it('names a finished run in its manifest and the run list, clears it, and waits for a running run to end', () => {
    const paths = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-note-')));
    const run = createRun(paths, (id) => manifest(id, 'running'));
    expect(() => setRunNote(paths, run.runId, 'too early')).toThrow(/still running/);
    saveManifest(paths, { ...run, status: 'succeeded' });
    setRunNote(paths, run.runId, '  ALS, alpha tuned  ');
    expect((JSON.parse(readFileSync(join(paths.runs, run.runId, 'manifest.json'), 'utf8')) as RunManifest).note).toBe('ALS, alpha tuned');
    expect(listRuns(paths)[0]).toMatchObject({ note: 'ALS, alpha tuned', dataset: { users: 3, items: 2, interactions: 5 } });
    setRunNote(paths, run.runId, '');
    expect(listRuns(paths)[0]!.note).toBeUndefined();
  });
});
