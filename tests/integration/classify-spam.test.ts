import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/jobs/context.ts';
import { fitTfidfBaseline, TFIDF_BASELINE_DEFAULTS } from '../../main/engine/text/baseline.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/text/classify.ts';
import { evaluate } from '../../main/engine/text/metrics.ts';
import { parseClassifyParams } from '../../main/engine/text/params.ts';
import { prepareData } from '../../main/engine/text/prepare.ts';
import { SPAM_ASSASSIN } from '../../main/engine/text/spam-assassin.ts';

const PARAMS = { split: { test: 0.2, validation: 0.1 }, train: { epochs: 4 } };

describe('SpamAssassin, stratified 80/20', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'ty-spam-'));
  let result: Awaited<ReturnType<typeof trainClassifier>>;
  let prepared: ReturnType<typeof prepareData>;

  it('fasttext reaches accuracy ≥ 0.98 and is more confident than untrained', async () => {
    result = await trainClassifier({ data: SPAM_ASSASSIN, outDir, params: PARAMS }, silentContext());
    expect(result.quality.split.test).toBe(1209);
    expect(result.quality.leakage).toEqual({ trainValidation: 0, trainTest: 0, validationTest: 0 });
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(result.metrics.macro_f1).toBeGreaterThan(0.97);
    expect(result.baseline.mean_confidence).toBeCloseTo(0.5, 6);
    expect(result.metrics.mean_confidence).toBeGreaterThan(0.95);
    for (const f of ['config.json', 'metrics.json', 'confusion.json', 'errors.jsonl', 'embeddings.npy', 'rows.npy', 'output.npy', 'bias.npy']) {
      expect(existsSync(join(outDir, f)), f).toBe(true);
    }
    const confusion = JSON.parse(readFileSync(join(outDir, 'confusion.json'), 'utf8')) as { matrix: number[][] };
    expect(confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(1209);
  });

  it('beats TF-IDF + logistic regression on the same split', async () => {
    prepared = prepareData(SPAM_ASSASSIN, parseClassifyParams(PARAMS));
    expect(prepared.test).toHaveLength(result.quality.split.test);
    const labelIndex = (rows: { label: string }[]) => Int32Array.from(rows, (r) => prepared.labels.indexOf(r.label));
    const baseline = await fitTfidfBaseline(prepared.train.map((e) => e.text), labelIndex(prepared.train), 2, TFIDF_BASELINE_DEFAULTS, silentContext());
    const tfidf = evaluate(baseline.predict(prepared.test.map((e) => e.text)), labelIndex(prepared.test), prepared.labels);
    console.log(`SpamAssassin test accuracy: fasttext ${result.metrics.accuracy.toFixed(4)}, tfidf+logreg ${tfidf.accuracy.toFixed(4)}`);
    expect(tfidf.accuracy).toBeGreaterThan(0.95);
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(tfidf.accuracy);
  });

  it('a loaded classifier reproduces the test predictions', async () => {
    const clf = loadClassifier(outDir);
    const predictions = await clf.predictMany(prepared.test.map((e) => e.text));
    const hits = predictions.filter((p, i) => p.label === prepared.test[i]!.label).length;
    expect(hits / prepared.test.length).toBeCloseTo(result.metrics.accuracy, 10);
    const one = await clf.predict('Congratulations! You have WON a FREE prize, click here now to claim your $1000 cash');
    expect(Object.keys(one.probabilities).sort()).toEqual(['ham', 'spam']);
  });
});
