import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { prepareData } from '../../main/engine/classify/prepare.ts';
import { loadSpamAssassin, SPAM_ASSASSIN } from '../../main/engine/classify/spam-assassin.ts';
import { tfidfLogisticRegression } from '../fixtures/text/tfidf-reference.ts';

const PARAMS = { split: { test: 0.2, validation: 0.1 }, train: { epochs: 4 } };

describe('SpamAssassin, stratified 80/20', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'ty-spam-'));
  let result: Awaited<ReturnType<typeof trainClassifier>>;

  it('fasttext reaches accuracy ≥ 0.98 and is more confident than the majority-class baseline', async () => {
    // the first 600 tokens of each message (mostly headers) are enough here and keep the test short
    result = await trainClassifier({ data: SPAM_ASSASSIN, outDir, model: 'fasttext', params: { ...PARAMS, features: { maxTokens: 600 } } }, silentContext());
    expect(result.quality.split.test).toBe(1209);
    expect(result.quality.leakage).toEqual({ trainValidation: 0, trainTest: 0, validationTest: 0 });
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(result.metrics.macro_f1).toBeGreaterThan(0.97);
    // the baseline says "ham" (the majority) for every message, with ham's share of the training part
    expect(result.baseline.accuracy).toBeGreaterThan(0.5);
    expect(Math.abs(result.baseline.accuracy - result.baseline.mean_confidence)).toBeLessThan(0.01);
    expect(result.metrics.mean_confidence).toBeGreaterThan(0.95);
    for (const f of ['config.json', 'metrics.json', 'confusion.json', 'errors.jsonl', 'embeddings.npy', 'rows.npy', 'output.npy', 'bias.npy']) {
      expect(existsSync(join(outDir, f)), f).toBe(true);
    }
    const confusion = JSON.parse(readFileSync(join(outDir, 'confusion.json'), 'utf8')) as { matrix: number[][] };
    expect(confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(1209);
  });

  it('a loaded classifier reproduces the test predictions', async () => {
    const { test } = prepareData(SPAM_ASSASSIN, parseClassifyParams(PARAMS));
    const clf = loadClassifier(outDir);
    const predictions = await clf.predictMany(test.map((e) => e.text));
    const hits = predictions.filter((p, i) => p.label === test[i]!.label).length;
    expect(hits / test.length).toBeCloseTo(result.metrics.accuracy, 10);
    const one = await clf.predict('Congratulations! You have WON a FREE prize, click here now to claim your $1000 cash');
    expect(Object.keys(one.probabilities).sort()).toEqual(['ham', 'spam']);
  });

  it('auto reaches TF-IDF (1–2-grams) + logistic regression (C = 10) on the same split of a third of the corpus', async () => {
    // every third message keeps the test short; auto's encoder candidate is left out for the same reason
    const data = loadSpamAssassin().filter((_, i) => i % 3 === 0);
    const auto = await trainClassifier({ data, outDir: mkdtempSync(join(tmpdir(), 'ty-spam-auto-')), encoders: [], params: PARAMS }, silentContext());
    const { train, test } = prepareData(data, parseClassifyParams(PARAMS));
    expect(test).toHaveLength(auto.quality.split.test);
    const predicted = tfidfLogisticRegression(train, test, 'spam');
    const reference = predicted.filter((p, i) => (p === 'spam') === (test[i]!.label === 'spam')).length / test.length;
    console.log(
      `SpamAssassin (${data.length} messages) test accuracy: auto (${auto.model}) ${auto.metrics.accuracy.toFixed(4)}, reference tfidf+logreg ${reference.toFixed(4)}`,
    );
    expect(auto.candidates?.map((c) => [c.model, c.status])).toEqual([
      ['linear', 'trained'],
      ['fasttext', 'trained'],
      ['encoder', 'skipped'],
    ]);
    expect(reference).toBeGreaterThan(0.95);
    expect(auto.metrics.accuracy).toBeGreaterThanOrEqual(reference);
  });
});
