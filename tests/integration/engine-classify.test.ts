import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import type { ClassifyRunResult } from '../../main/engine/runs/classify-run.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

describe('engine: text classifier runs', () => {
  let engine: Engine;
  let data: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-classify-'));
    data = join(dir, 'topics.jsonl');
    writeFileSync(
      data,
      topicTexts(600, 3)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
  });
  afterAll(async () => engine.close());

  for (const model of ['linear', 'fasttext', 'encoder'] as const) {
    it(`trains a ${model} classifier as a run, shows before → after, and predicts`, async () => {
      const { jobId } = await engine.request('classify.train', { data, model, set: ['train.epochs=4', 'seed=3'] });
      const done = await engine.waitForJob(jobId);
      expect(done.error?.message).toBeUndefined();
      const result = done.result as { runId: string; metrics: Record<string, number>; baseline: Record<string, number> };
      expect(result.metrics.accuracy).toBeGreaterThan(0.8);
      expect(result.metrics.mean_confidence).toBeGreaterThan(result.baseline.mean_confidence!);

      const detail = await engine.request('runs.show', { run: result.runId });
      expect(detail.manifest.kind).toBe('classifier');
      expect(detail.classifier?.labels.sort()).toEqual(['food', 'sport', 'tech']);
      expect(detail.classifier?.confusion).toHaveLength(3);
      expect(detail.isLatest).toBe(false);

      const p = await engine.request('classify.predict', { run: result.runId, text: 'the coach praised the team after the goal' });
      expect(p.label).toBe('sport');
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
  }

  it('auto, the default, trains linear, fasttext and encoders (builtin, GloVe-SIF), keeps the best by validation macro F1 and says why', async () => {
    const done = await engine.waitForJob((await engine.request('classify.train', { data, set: ['train.epochs=4', 'seed=3'] })).jobId);
    expect(done.error?.message).toBeUndefined();
    const result = done.result as ClassifyRunResult;
    expect(result.candidates?.map((c) => [c.model, c.encoder ?? null, c.status])).toEqual([
      ['linear', null, 'trained'],
      ['fasttext', null, 'trained'],
      ['encoder', 'builtin', 'trained'],
      // GloVe-SIF over the vectors shipped in native/build
      ['encoder', 'glove', 'trained'],
    ]);
    const best = Math.max(...result.candidates!.map((c) => c.validation!.macro_f1));
    const chosen = result.candidates!.filter((c) => c.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.validation!.macro_f1).toBe(best);
    expect(result.model).toBe(chosen[0]!.model);
    for (const c of result.candidates!) expect(c.seconds).toBeGreaterThan(0);
    const detail = await engine.request('runs.show', { run: result.runId });
    expect(detail.classifier?.candidates).toEqual(result.candidates);
    expect(detail.manifest.stages[0]).toMatchObject({ name: 'auto', status: 'succeeded', effective: { model: result.model } });
    const p = await engine.request('classify.predict', { run: result.runId, text: 'the coach praised the team after the goal' });
    expect(p.label).toBe('sport');
  });

  it('cross-validates on request and compares against an earlier run by id', async () => {
    const first = await engine.waitForJob((await engine.request('classify.train', { data, model: 'fasttext', set: ['train.epochs=2'] })).jobId);
    const firstId = (first.result as { runId: string }).runId;
    const { jobId } = await engine.request('classify.train', { data, model: 'fasttext', cv: 3, set: ['train.epochs=3', `compareTo=${firstId}`] });
    const done = await engine.waitForJob(jobId);
    expect(done.error?.message).toBeUndefined();
    const result = done.result as { runId: string; runDir: string; cv: Record<string, { mean: number; std: number }> };
    expect(result.cv.accuracy!.mean).toBeGreaterThan(0.7);
    expect(result.cv.accuracy!.std).toBeGreaterThanOrEqual(0);
    const stored = JSON.parse(readFileSync(join(result.runDir, 'fasttext', 'metrics.json'), 'utf8')) as {
      previous: { run: string; delta: Record<string, number> } | null;
    };
    expect(stored.previous?.run).toContain(firstId);
    expect(typeof stored.previous?.delta.accuracy).toBe('number');
    expect(JSON.parse(readFileSync(join(result.runDir, 'fasttext', 'cv.json'), 'utf8')).folds).toHaveLength(3);
  });

  it('cancelling a classifier job stops training and keeps the run as cancelled', async () => {
    const big = join(tmpdir(), `ty-topics-${process.pid}.jsonl`);
    writeFileSync(
      big,
      topicTexts(3000, 5)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const { jobId } = await engine.request('classify.train', { data: big, model: 'fasttext', set: ['train.epochs=50', 'train.patience=50'] });
    await new Promise<void>((resolve) => {
      const off = engine.on('job.progress', (p) => {
        if (p.jobId === jobId && p.stage === 'classify') {
          off();
          resolve();
        }
      });
    });
    await engine.request('jobs.cancel', { jobId });
    expect((await engine.waitForJob(jobId)).state).toBe('cancelled');
    const runs = await engine.request('runs.list', undefined);
    expect(runs[0]).toMatchObject({ kind: 'classifier', status: 'cancelled' });
  });

  it('refuses bad input with where and what to do, before any run folder is made', async () => {
    const before = (await engine.request('runs.list', undefined)).length;
    const bad = join(tmpdir(), `ty-nolabel-${process.pid}.csv`);
    writeFileSync(bad, 'text\nhello\n');
    const failure = async (arg: Parameters<Engine['request']>[1] & object) => {
      const done = await engine.waitForJob((await engine.request('classify.train', arg as { data: string })).jobId);
      expect(done.state).toBe('failed');
      return done.error!;
    };
    expect(await failure({ data: bad })).toMatchObject({ kind: 'invalid-input', message: expect.stringMatching(/no label column found/) });
    expect(await failure({ data: 'builtin:nope' })).toMatchObject({ kind: 'not-found', message: 'no builtin data set named nope; available: spam-assassin' });
    // 600 rows in 3 classes of 200: 500 folds cannot each hold every class
    expect(await failure({ data, model: 'linear', cv: 500 })).toMatchObject({
      kind: 'invalid-input',
      message: expect.stringMatching(/500 folds need at least 500 examples of every class, but class "\w+" has \d+; use --cv \d+ or fewer$/),
    });
    expect(await engine.request('runs.list', undefined)).toHaveLength(before);
  });
});
