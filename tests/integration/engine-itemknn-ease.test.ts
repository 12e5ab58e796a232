import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import type { JobInfo } from '../../main/common/contracts/jobs.ts';
import type { RunManifest } from '../../main/common/contracts/runs.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';

/**
 * Planted structure: 6 taste groups of 30 items; a user stays in one group and picks items near the
 * last one they picked, so the next item is predictable from the history but not from popularity.
 */
function writeLog(dir: string): string {
  let seed = 23;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['user_id,item_id,timestamp'];
  for (let u = 0; u < 400; u++) {
    const group = u % 6;
    let at = Math.floor(rand() * 30);
    for (let e = 0; e < 10; e++) {
      const item = rand() < 0.9 ? group * 30 + at : Math.floor(rand() * 180);
      lines.push(`u${u},i${item},${1_600_000_000 + e * 86_400 + u}`);
      at = (at + 1 + Math.floor(rand() * 3)) % 30;
    }
  }
  const file = join(dir, 'interactions.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('engine: itemknn and ease stages', () => {
  let engine: Engine;
  let log: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-knn-ease-'));
    log = writeLog(dir);
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
  });
  afterAll(async () => engine.close());

  async function train(config: Record<string, unknown>): Promise<JobInfo> {
    const { jobId } = await engine.request('train.start', { config: { data: { interactions: log }, eval: { ks: [10] }, ...config } });
    return engine.waitForJob(jobId);
  }

  it('trains, evaluates and caches both; both beat popularity on the planted structure', async () => {
    const done = await train({ stages: ['itemknn', 'ease'], itemknn: { neighbours: 20 }, ease: { lambda: 50 } });
    expect(done.error?.message).toBeUndefined();
    const result = done.result as TrainResult;
    expect(Object.keys(result.metrics).sort()).toEqual(['ease', 'itemknn', 'popularity']);
    const pop = result.metrics.popularity!['ndcg@10']!;
    expect(result.metrics.itemknn!['ndcg@10']).toBeGreaterThan(pop + 0.05);
    expect(result.metrics.ease!['ndcg@10']).toBeGreaterThan(pop + 0.05);
    for (const f of [
      'itemknn/neighbour_indptr.npy',
      'itemknn/neighbour_indices.npy',
      'itemknn/neighbour_weights.npy',
      'ease/weights.npy',
      'ease/per_user.csv',
      'metrics.json',
    ]) {
      expect(existsSync(join(result.runDir, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(result.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.stages.find((s) => s.name === 'ease')?.effective).toMatchObject({ lambda: 50, items: 180 });

    // settings that do not change the models (EASE's limits, alpha under plain cosine) do not retrain them
    const again = await train({ stages: ['itemknn', 'ease'], itemknn: { neighbours: 20, alpha: 0.9 }, ease: { lambda: 50, memoryBudgetMB: 100 } });
    const second = JSON.parse(readFileSync(join((again.result as TrainResult).runDir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(Object.fromEntries(second.stages.map((s) => [s.name, s.status]))).toEqual({ popularity: 'cached', itemknn: 'cached', ease: 'cached' });
  });

  it('recommends with each model, explaining by the history items that contributed; auto picks EASE and similar uses ItemKNN without ALS', async () => {
    const done = await train({ stages: ['itemknn', 'ease'], itemknn: { neighbours: 20 }, ease: { lambda: 50 } });
    const run = (done.result as TrainResult).runId;
    for (const mode of ['itemknn', 'ease'] as const) {
      const answer = await engine.request('recommend', { run, user: 'u0', k: 5, mode });
      expect(answer.usedMode).toBe(mode);
      expect(answer.items).toHaveLength(5);
      const seen = new Set(answer.history.map((h) => h.item));
      for (const rec of answer.items) {
        expect(seen.has(rec.item)).toBe(false);
        expect(rec.because?.length).toBeGreaterThan(0);
        expect(rec.because!.every((b) => seen.has(b.item))).toBe(true);
      }
    }
    expect((await engine.request('recommend', { run, user: 'u0', k: 5 })).usedMode).toBe('ease');
    await expect(engine.request('recommend', { run, user: 'u0', mode: 'cf' })).rejects.toMatchObject({
      message: expect.stringMatching(/no als stage/) as unknown,
    });

    // without ALS, similar items by co-interaction are ItemKNN's neighbours, most similar first
    const similar = await engine.request('similar', { run, item: 'i0', k: 4 });
    expect(similar).toHaveLength(4);
    expect(similar.map((s) => s.item)).not.toContain('i0');
    expect(similar.map((s) => s.score)).toEqual([...similar.map((s) => s.score)].sort((a, b) => b - a));
    // i0's neighbours are mostly its own taste group (i0..i29), as planted
    expect(similar.filter((s) => Number(s.item.slice(1)) < 30).length).toBeGreaterThanOrEqual(3);
  });

  it('a catalogue too large for EASE fails the run with the figures and a pointer to itemknn', async () => {
    const done = await train({ stages: ['ease'], ease: { maxItems: 100 } });
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ kind: 'invalid-input', details: { field: 'ease.maxItems', items: 180 } });
    expect(done.error?.message).toMatch(/180 items need \d+ MiB/);
    expect(done.error?.details?.hint).toMatch(/itemknn/);
  });
});
