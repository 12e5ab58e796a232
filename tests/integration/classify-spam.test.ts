import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/jobs/context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/text/classify.ts';
import { parseClassifyParams } from '../../main/engine/text/params.ts';
import { prepareData, type Example } from '../../main/engine/text/prepare.ts';
import { loadSpamAssassin, SPAM_ASSASSIN } from '../../main/engine/text/spam-assassin.ts';

const PARAMS = { split: { test: 0.2, validation: 0.1 }, train: { epochs: 4 } };

/**
 * The notebook reference, written here independently of the engine: scikit-learn's
 * TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) (its token pattern, lowercase, smooth idf,
 * L2 rows) and a binary LogisticRegression(C=10), solved by Nesterov's accelerated gradient.
 */
function tfidfLogisticRegression(train: readonly Example[], test: readonly Example[], positive: string): string[] {
  const terms = (text: string) => {
    const words = text.toLowerCase().match(/\b\w\w+\b/gu) ?? [];
    return [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
  };
  const vocab = new Map<string, number>();
  const df: number[] = [];
  for (const e of train) {
    for (const t of new Set(terms(e.text))) {
      if (!vocab.has(t)) vocab.set(t, df.push(0) - 1);
      df[vocab.get(t)!]!++;
    }
  }
  const idf = df.map((d) => Math.log((1 + train.length) / (1 + d)) + 1);
  const vectorize = (text: string) => {
    const tf = new Map<number, number>();
    for (const t of terms(text)) {
      const j = vocab.get(t);
      if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1);
    }
    const row = [...tf].map(([j, n]) => [j, (1 + Math.log(n)) * idf[j]!] as [number, number]);
    const norm = Math.hypot(...row.map((r) => r[1])) || 1;
    return row.map(([j, v]) => [j, v / norm] as [number, number]);
  };
  const rows = train.map((e) => vectorize(e.text));
  const index = rows.map((r) => Int32Array.from(r, ([j]) => j));
  const value = rows.map((r) => Float64Array.from(r, ([, x]) => x));
  const y = train.map((e) => (e.label === positive ? 1 : -1));
  const n = rows.length;
  const bias = vocab.size;
  const C = 10;
  // minimise (1/n)·Σ log(1 + exp(−y·(w·x + b))) + ‖w‖² / (2·C·n); rows have unit length, so with
  // the bias the loss gradient is Lipschitz with constant at most 2/4
  const step = 1 / (0.5 + 1 / (C * n));
  let w = new Float64Array(vocab.size + 1);
  let prev = w.slice();
  const v = new Float64Array(w.length);
  const g = new Float64Array(w.length);
  for (let k = 1; k <= 500; k++) {
    for (let j = 0; j < w.length; j++) v[j] = w[j]! + ((k - 1) / (k + 2)) * (w[j]! - prev[j]!);
    for (let j = 0; j < bias; j++) g[j] = v[j]! / (C * n);
    g[bias] = 0;
    for (let i = 0; i < n; i++) {
      const idx = index[i]!;
      const val = value[i]!;
      let z = v[bias]!;
      for (let k2 = 0; k2 < idx.length; k2++) z += val[k2]! * v[idx[k2]!]!;
      const d = -y[i]! / (1 + Math.exp(y[i]! * z)) / n;
      for (let k2 = 0; k2 < idx.length; k2++) g[idx[k2]!]! += d * val[k2]!;
      g[bias]! += d;
    }
    [prev, w] = [w, prev];
    for (let j = 0; j < w.length; j++) w[j] = v[j]! - step * g[j]!;
  }
  return test.map((e) => (vectorize(e.text).reduce((s, [j, x]) => s + x * w[j]!, w[vocab.size]!) > 0 ? positive : 'other'));
}

describe('SpamAssassin, stratified 80/20', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'ty-spam-'));
  let result: Awaited<ReturnType<typeof trainClassifier>>;

  it('fasttext reaches accuracy ≥ 0.98 and is more confident than untrained', async () => {
    // the first 600 tokens of each message (mostly headers) are enough here and keep the test short
    result = await trainClassifier({ data: SPAM_ASSASSIN, outDir, model: 'fasttext', params: { ...PARAMS, features: { maxTokens: 600 } } }, silentContext());
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
    console.log(`SpamAssassin (${data.length} messages) test accuracy: auto (${auto.model}) ${auto.metrics.accuracy.toFixed(4)}, reference tfidf+logreg ${reference.toFixed(4)}`);
    expect(auto.candidates?.map((c) => [c.model, c.status])).toEqual([
      ['linear', 'trained'],
      ['fasttext', 'trained'],
      ['encoder', 'skipped'],
    ]);
    expect(reference).toBeGreaterThan(0.95);
    expect(auto.metrics.accuracy).toBeGreaterThanOrEqual(reference);
  });
});
