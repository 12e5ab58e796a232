import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSample } from '../../main/engine/data/generate.ts';
import { readInteractions } from '../../main/engine/data/read-interactions.ts';
import { evaluate } from '../../main/engine/eval/evaluate.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { ALS_DEFAULTS, createAlsScorer, trainAls } from '../../main/engine/recsys/als/als.ts';
import { createPopularityScorer, fitCountPopularity } from '../../main/engine/recsys/popularity.ts';

describe('quality on generated data (last-1 time split, full ranking)', () => {
  it('ALS beats popularity on NDCG@10, with a paired 95% interval of the difference above zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-quality-'));
    const ctx = silentContext();
    const sample = await generateSample({ out: dir, users: 1500, items: 600, interactions: 45_000, seed: 3 }, ctx);
    const table = await readInteractions(sample.interactions, {}, ctx);
    const split = splitInteractions(table, { method: 'last1' });
    const als = await trainAls(split.trainCsr, { ...ALS_DEFAULTS, factors: 16, alpha: 10, regularization: 1, iterations: 10, threads: 2, seed: 1 }, ctx);
    const alsEval = evaluate(createAlsScorer(als), split, { ks: [10] }, ctx);
    const popEval = evaluate(createPopularityScorer(fitCountPopularity(split)), split, { ks: [10] }, ctx);
    expect(Array.from(alsEval.perUser.users)).toEqual(Array.from(popEval.perUser.users));
    const col = alsEval.metricNames.indexOf('ndcg@10');
    const stride = alsEval.metricNames.length;
    const n = alsEval.perUser.users.length;
    const diff = Array.from({ length: n }, (_, t) => alsEval.perUser.values[t * stride + col]! - popEval.perUser.values[t * stride + col]!);
    const mean = diff.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    expect(alsEval.metrics['ndcg@10']).toBeGreaterThan(popEval.metrics['ndcg@10']!);
    expect(mean - 1.96 * (sd / Math.sqrt(n))).toBeGreaterThan(0);
  });
});
