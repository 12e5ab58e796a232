import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import type { JobInfo } from '../../main/common/contracts/jobs.ts';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';

/** A small log with taste structure: users of group g mostly pick items of group g, over time. */
function writeLog(dir: string): string {
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['user_id,item_id,rating,timestamp'];
  for (let u = 0; u < 300; u++) {
    const group = u % 3;
    for (let e = 0; e < 12; e++) {
      const ownGroup = rand() < 0.85;
      const g = ownGroup ? group : Math.floor(rand() * 3);
      const item = g * 40 + Math.floor(rand() ** 2 * 40);
      lines.push(`u${u},i${item},${1 + Math.floor(rand() * 5)},${1_600_000_000 + e * 86_400 + u}`);
    }
  }
  const file = join(dir, 'interactions.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const ALS = ['als.factors=16', 'als.iterations=8', 'als.alpha=10', 'als.regularization=1', 'eval.ks=[5,10,20]'];

describe('engine: train, evaluate, publish', () => {
  let engine: Engine;
  let log: string;
  let first: TrainResult;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-engine-'));
    log = writeLog(dir);
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
  });
  afterAll(async () => engine.close());

  async function train(set: string[], extra: Record<string, unknown> = {}): Promise<JobInfo> {
    const { jobId } = await engine.request('train.start', { config: { data: { interactions: log }, ...extra }, set });
    return engine.waitForJob(jobId);
  }

  it('trains popularity, bayes-popularity and ALS, writes a complete run and moves LATEST', async () => {
    const done = await train(ALS);
    expect(done.error?.message).toBeUndefined();
    first = done.result as TrainResult;
    expect(Object.keys(first.metrics).sort()).toEqual(['als', 'bayes-popularity', 'popularity']);
    expect(first.metrics.als!['ndcg@10']).toBeGreaterThan(first.metrics.popularity!['ndcg@10']!);
    expect(first.timings.als).toBeGreaterThan(0);
    expect(readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8').trim()).toBe(first.runId);
    const manifest = JSON.parse(readFileSync(join(first.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.status).toBe('succeeded');
    expect(manifest.dataset?.users).toBe(300);
    expect(manifest.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const f of ['als/user_factors.npy', 'als/item_factors.npy', 'popularity/scores.npy', 'als/per_user.csv', 'metrics.json']) {
      expect(existsSync(join(first.runDir, f)), f).toBe(true);
    }
  });

  it('reuses stage artifacts when data and params are unchanged, and retrains what changed', async () => {
    const done = await train([...ALS.filter((s) => !s.startsWith('als.iterations')), 'als.iterations=4']);
    const second = done.result as TrainResult;
    const manifest = JSON.parse(readFileSync(join(second.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    const status = Object.fromEntries(manifest.stages.map((s) => [s.name, s.status]));
    expect(status).toEqual({ popularity: 'cached', 'bayes-popularity': 'cached', als: 'succeeded' });
    expect(manifest.stages[0]!.cachedFrom).toBe(first.runId);
    expect(second.metrics.popularity).toEqual(first.metrics.popularity);
  });

  it('tunes ALS on a validation split of the training part, then trains the best settings as a run', async () => {
    const done = await train(ALS, { tune: { stages: ['als'], trials: 3 } });
    expect(done.error?.message).toBeUndefined();
    const result = done.result as TrainResult;
    const manifest = JSON.parse(readFileSync(join(result.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    const trials = manifest.tuning!.trials;
    expect(trials.map((t) => t.trial)).toEqual([1, 2, 3]);
    expect(trials[0]!.params).toEqual({ factors: 16, regularization: 1, alpha: 10, iterations: 8 });
    const best = manifest.tuning!.best.als!;
    expect(best.ndcg10).toBe(Math.max(...trials.map((t) => t.ndcg10)));
    expect((manifest.resolvedParams as { als: Record<string, number> }).als).toMatchObject(best.params);
    expect(manifest.tuning!.validation.users).toBeGreaterThan(0);
    expect(existsSync(join(result.runDir, 'tune-trials'))).toBe(false);
  });

  it('a failing run stays listed with its error and leaves LATEST alone', async () => {
    const before = readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8');
    const done = await train(ALS, { data: { interactions: join(tmpdir(), 'does-not-exist.csv') } });
    expect(done.state).toBe('failed');
    expect(done.error?.message).toMatch(/does-not-exist\.csv/);
    expect(readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8')).toBe(before);
  });

  it('cancelling a training run marks it cancelled and keeps LATEST', async () => {
    const before = readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8');
    const { jobId } = await engine.request('train.start', { config: { data: { interactions: log } }, set: ['als.factors=32', 'als.iterations=200', 'seed=5'] });
    await new Promise<void>((resolve) => {
      const off = engine.on('job.progress', (p) => {
        if (p.jobId === jobId && p.stage === 'als') {
          off();
          resolve();
        }
      });
    });
    await engine.request('jobs.cancel', { jobId });
    const done = await engine.waitForJob(jobId);
    expect(done.state).toBe('cancelled');
    const runs = await engine.request('runs.list', undefined);
    expect(runs[0]!.status).toBe('cancelled');
    expect(readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8')).toBe(before);
  });

  it('refuses to delete a running run, and a run whose folder vanished fails instead of being published', async () => {
    const before = readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8');
    const { jobId } = await engine.request('train.start', { config: { data: { interactions: log } }, set: ['als.factors=32', 'als.iterations=200', 'seed=6'] });
    await new Promise<void>((resolve) => {
      const off = engine.on('job.progress', (p) => {
        if (p.jobId === jobId && p.stage === 'als') {
          off();
          resolve();
        }
      });
    });
    const running = (await engine.request('runs.list', undefined)).find((r) => r.status === 'running')!;
    await expect(engine.request('runs.delete', { run: running.runId })).rejects.toThrow(/still running/);
    rmSync(join(engine.workspace.runs, running.runId), { recursive: true, force: true });
    const done = await engine.waitForJob(jobId);
    expect(done.state).toBe('failed');
    expect(readFileSync(join(engine.workspace.root, 'LATEST'), 'utf8')).toBe(before);
  });

  it('recommends with explanations, filters seen items and answers unknown users with the baseline', async () => {
    const rec = await engine.request('recommend', { user: 'u4', k: 5, mode: 'cf' });
    expect(rec.usedMode).toBe('cf');
    expect(rec.items).toHaveLength(5);
    const seen = new Set(rec.history.map((h) => h.item));
    for (const it of rec.items) {
      expect(seen.has(it.item)).toBe(false);
      expect(it.because?.length).toBeGreaterThan(0);
    }
    const cold = await engine.request('recommend', { user: 'nobody', k: 3 });
    expect(cold).toMatchObject({ known: false, usedMode: 'baseline' });
    expect(cold.items).toHaveLength(3);
    const excluded = await engine.request('recommend', { user: 'u4', k: 5, mode: 'cf', exclude: [rec.items[0]!.item] });
    expect(excluded.items.map((i) => i.item)).not.toContain(rec.items[0]!.item);
    const similar = await engine.request('similar', { item: 'i3', k: 4 });
    expect(similar).toHaveLength(4);
  });

  it('eval recomputes the metrics of a finished run', async () => {
    const metrics = await engine.request('eval.run', { run: first.runId });
    expect(metrics.models.als!['ndcg@10']).toBeCloseTo(first.metrics.als!['ndcg@10']!, 6);
    const at50 = await engine.request('eval.run', { run: first.runId, ks: [50] });
    expect(at50.ks).toEqual([50]);
  });
});
