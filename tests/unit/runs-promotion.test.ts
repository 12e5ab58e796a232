import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest, StageRecord } from '../../main/common/contracts/runs.ts';
import { decidePromotion } from '../../main/engine/runs/promotion.ts';
import { createRun, promoteRun } from '../../main/engine/runs/registry.ts';
import { ensureWorkspace, type WorkspacePaths } from '../../main/engine/runs/workspace.ts';

function manifest(runId: string, stages: [string, StageRecord['status']][]): RunManifest {
  return {
    runId,
    status: 'succeeded',
    createdAt: '2026-01-01T00:00:00.000Z',
    packageVersion: '0.0.0',
    config: {},
    resolvedParams: {},
    dataset: null,
    split: null,
    stages: stages.map(([name, status]) => ({ name, status })),
    timings: {},
  };
}

const FULL: [string, StageRecord['status']][] = [
  ['popularity', 'succeeded'],
  ['als', 'succeeded'],
  ['semantic', 'succeeded'],
];

function workspaceWithLatest(): { paths: WorkspacePaths; latest: RunManifest } {
  const paths = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-promote-')));
  const latest = createRun(paths, (id) => manifest(id, FULL), new Date('2026-01-01T00:00:00Z'));
  promoteRun(paths, latest.runId);
  return { paths, latest };
}

describe('promotion rule', () => {
  it('promotes the first run, and any run that serves at least what LATEST serves (stages as a set)', () => {
    const paths = ensureWorkspace(mkdtempSync(join(tmpdir(), 'ty-promote-')));
    expect(decidePromotion(paths, manifest('run_20260101T000000', FULL), 'auto')).toEqual({ promote: true, reason: 'no run was LATEST yet' });
    const { paths: withLatest } = workspaceWithLatest();
    const reordered = manifest('run_20260101T000001', [
      ['semantic', 'cached'],
      ['popularity', 'cached'],
      ['als', 'succeeded'],
    ]);
    expect(decidePromotion(withLatest, reordered, 'auto').promote).toBe(true);
  });

  it('keeps a LATEST that serves more (an ALS-only experiment does not replace the semantic index), unless told', () => {
    const { paths, latest } = workspaceWithLatest();
    const quick = manifest('run_20260101T000100', [
      ['popularity', 'cached'],
      ['als', 'succeeded'],
    ]);
    const kept = decidePromotion(paths, quick, 'auto');
    expect(kept.promote).toBe(false);
    expect(kept.reason).toContain(`LATEST stays ${latest.runId}, which also serves semantic`);
    expect(kept.reason).toContain('trainyard runs promote run_20260101T000100');
    expect(decidePromotion(paths, quick, 'always').promote).toBe(true);
    expect(decidePromotion(paths, manifest('run_20260101T000200', FULL), 'never').promote).toBe(false);
  });

  it('replaces a LATEST that can no longer be read', () => {
    const { paths, latest } = workspaceWithLatest();
    writeFileSync(join(paths.runs, latest.runId, 'manifest.json'), '{ torn');
    expect(decidePromotion(paths, manifest('run_20260101T000100', [['als', 'succeeded']]), 'auto').promote).toBe(true);
  });
});
