import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { stageByName } from '../../main/engine/recsys/stages.ts';
import { loadFloat32, saveNpy } from '../../main/engine/common/arrays.ts';
import { checkFiniteArtifact } from '../../main/engine/runs/finite-check.ts';
import { listRunIds } from '../../main/engine/runs/registry.ts';
import { trainRun } from '../../main/engine/runs/train-run.ts';
import { ensureWorkspace } from '../../main/engine/runs/workspace.ts';
import { openWorkspaceDb } from '../../main/engine/store/db.ts';

const root = mkdtempSync(join(tmpdir(), 'ty-finite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a model with non-finite scores is never published', () => {
  it('checkFiniteArtifact refuses NaN and +Infinity, allows -Infinity (never-recommended items)', () => {
    const dir = join(root, 'stage');
    mkdirSync(dir);
    saveNpy(join(dir, 'scores.npy'), Float32Array.from([1, -Infinity, 2]), [3]);
    saveNpy(join(dir, 'top.npy'), Int32Array.from([2, 0]), [2]);
    expect(() => checkFiniteArtifact(dir, 'popularity')).not.toThrow();
    saveNpy(join(dir, 'factors.npy'), Float32Array.from([0.5, NaN]), [2]);
    expect(() => checkFiniteArtifact(dir, 'als')).toThrow('als produced a non-finite value (NaN at index 1 of factors.npy), so the run is not published');
  });

  it('a stage that writes +Infinity fails its run; LATEST stays where it was', async () => {
    const ws = ensureWorkspace(join(root, 'ws'));
    const db = await openWorkspaceDb(ws.db);
    const log = join(root, 'log.csv');
    const lines = ['user_id,item_id,rating,timestamp'];
    for (let u = 0; u < 40; u++) for (let e = 0; e < 6; e++) lines.push(`u${u},i${(u + e * 7) % 30},${1 + ((u + e) % 5)},${1_600_000_000 + e * 86_400 + u}`);
    writeFileSync(log, lines.join('\n') + '\n');
    const args = { config: { data: { interactions: log }, stages: ['bayes-popularity'] } };
    const good = await trainRun(args, { paths: ws, db, threads: 1 }, silentContext());
    expect(readFileSync(ws.latest, 'utf8').trim()).toBe(good.runId);

    const stage = stageByName('bayes-popularity');
    const train = stage.train.bind(stage);
    // what a rating overflow did: every score +Infinity
    const spy = vi.spyOn(stage, 'train').mockImplementation(async (input, dir, ctx) => {
      const effective = await train(input, dir, ctx);
      const scores = loadFloat32(join(dir, 'scores.npy')).data.fill(Infinity);
      saveNpy(join(dir, 'scores.npy'), scores, [scores.length]);
      return effective;
    });
    try {
      await expect(trainRun({ ...args, set: ['bayes-popularity.minRatings=2'] }, { paths: ws, db, threads: 1 }, silentContext())).rejects.toThrow(
        /^bayes-popularity produced a non-finite value \(Infinity at index 0 of scores\.npy\), so the run is not published$/,
      );
    } finally {
      spy.mockRestore();
      db.close();
    }
    expect(readFileSync(ws.latest, 'utf8').trim()).toBe(good.runId);
    const failed = listRunIds(ws).find((id) => id !== good.runId)!;
    const manifest = JSON.parse(readFileSync(join(ws.runs, failed, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.status).toBe('failed');
    expect(manifest.stages.find((s) => s.name === 'bayes-popularity')?.status).toBe('failed');
    expect(existsSync(join(ws.runs, failed, 'metrics.json'))).toBe(false);
  });
});
