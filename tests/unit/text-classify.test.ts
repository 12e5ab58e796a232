import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../../main/engine/embed/provider.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { crossValidate, loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { hashToken, tokenize } from '../../main/engine/classify/tokenize.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-clf-${name}-`));
const data = topicTexts(600);

/** A tiny sentence encoder for tests: hashed bag of words, L2-normalised; counts what it embeds. */
class HashedBowProvider implements EmbeddingProvider {
  readonly name = 'hashed-bow';
  readonly dimensions = 64;
  embedded = 0;
  async embed(texts: readonly string[]): Promise<Float32Array> {
    this.embedded += texts.length;
    const out = new Float32Array(texts.length * this.dimensions);
    texts.forEach((t, i) => {
      const row = out.subarray(i * this.dimensions, (i + 1) * this.dimensions);
      for (const w of tokenize(t, true, 1000)) row[hashToken(w) % this.dimensions]! += 1;
      const norm = Math.hypot(...row) || 1;
      for (let j = 0; j < row.length; j++) row[j]! /= norm;
    });
    return out;
  }
  effective() {
    return { provider: this.name, model: 'bow-64', dimensions: this.dimensions, device: 'cpu', truncated: 0 };
  }
}

describe('trainClassifier (fasttext) on synthetic topics', () => {
  const dir = tmp('ft');
  let result: Awaited<ReturnType<typeof trainClassifier>>;

  it('learns the topics and writes the run folder', async () => {
    result = await trainClassifier({ data, outDir: dir, model: 'fasttext' }, silentContext());
    expect(result.labels).toEqual(['food', 'sport', 'tech']);
    expect(result.metrics.accuracy).toBeGreaterThan(0.85);
    expect(result.metrics.accuracy).toBeGreaterThan(result.baseline.accuracy + 0.4);
    // the majority-class baseline: every text gets the training part's class shares
    expect(result.baseline.accuracy).toBeLessThan(0.5);
    expect(result.metrics.mean_confidence).toBeGreaterThan(result.baseline.mean_confidence);
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.improvement.accuracy).toBeCloseTo(result.metrics.accuracy - result.baseline.accuracy, 12);
    expect(metrics.test.perClass).toHaveLength(3);
    expect(metrics.baseline.confidenceHistogram).toHaveLength(10);
    expect(metrics.data.split).toEqual({ train: 432, validation: 48, test: 120, augmented: 0 });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'fasttext', labels: ['food', 'sport', 'tech'], dim: 32 });
  });

  it('lists the most confidently wrong test texts first', () => {
    const errors = readFileSync(join(dir, 'errors.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const wrong = Math.round((1 - result.metrics.accuracy) * 120);
    expect(errors).toHaveLength(Math.min(wrong, 25));
    for (const e of errors) expect(e.predicted).not.toBe(e.label);
    const conf = errors.map((e) => e.confidence as number);
    expect(conf).toEqual([...conf].sort((a, b) => b - a));
  });

  it('loadClassifier predicts like the trained model', async () => {
    const clf = loadClassifier(dir);
    const p = await clf.predict('the coach said the team will score a goal in the league match');
    expect(p.label).toBe('sport');
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const q = await clf.predict('bake bread with garlic sauce in the oven for dinner');
    expect(q.label).toBe('food');
  });

  it('compares against an earlier run', async () => {
    const again = await trainClassifier({ data, outDir: tmp('ft2'), model: 'fasttext', params: { seed: 5, compareTo: dir } }, silentContext());
    expect(again.previous?.run).toBe(dir);
    expect(again.previous?.delta.accuracy).toBeCloseTo(again.metrics.accuracy - result.metrics.accuracy, 12);
    await expect(trainClassifier({ data, outDir: tmp('ft3'), params: { compareTo: tmp('empty') } }, silentContext())).rejects.toMatchObject({
      kind: 'invalid-input',
    });
  });

  it('reads a CSV with mapped columns', async () => {
    const file = join(tmp('csv'), 'topics.csv');
    writeFileSync(file, 'headline,section\n' + data.map((r) => `"${r.text}",${r.label}`).join('\n'));
    const r = await trainClassifier(
      { data: file, textCol: 'headline', labelCol: 'section', outDir: tmp('csv-run'), model: 'fasttext', params: { train: { epochs: 3 } } },
      silentContext(),
    );
    expect(r.quality).toMatchObject({ textCol: 'headline', labelCol: 'section', rows: 600 });
  });
});

describe('encoder model over a frozen embedding provider', () => {
  it('trains a linear and a hidden-layer head, caching embeddings per text', async () => {
    const provider = new HashedBowProvider();
    const cacheDir = tmp('cache');
    const dir = tmp('enc');
    const r = await trainClassifier(
      { data, model: 'encoder', provider, embeddingCacheDir: cacheDir, outDir: dir, params: { train: { lr: 0.05 } } },
      silentContext(),
    );
    expect(r.metrics.accuracy).toBeGreaterThan(0.8);
    expect(r.baseline.mean_confidence).toBeCloseTo(1 / 3, 6);
    expect(provider.embedded).toBe(600);
    const hidden = await trainClassifier(
      { data, model: 'encoder', provider, embeddingCacheDir: cacheDir, outDir: tmp('enc-h'), params: { encoder: { hidden: 32 }, train: { lr: 0.05 } } },
      silentContext(),
    );
    expect(provider.embedded).toBe(600); // every text came from the cache
    expect(hidden.metrics.accuracy).toBeGreaterThan(0.8);
    const clf = loadClassifier(dir, { provider });
    expect((await clf.predict('laptop software update for the server network')).label).toBe('tech');
    expect(() => loadClassifier(dir)).toThrow(/needs the hashed-bow embedding provider/);
  });

  it('needs a provider', async () => {
    await expect(trainClassifier({ data, model: 'encoder', outDir: tmp('noprov') }, silentContext())).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('embedding provider'),
    });
  });
});

describe('auto', () => {
  it('trains every candidate, skips an encoder that cannot be opened and says why, keeps the best by validation macro F1', async () => {
    const dir = tmp('auto');
    const encoders = [
      { name: 'hashed-bow', open: async () => new HashedBowProvider() },
      {
        name: 'transformers',
        open: async () => {
          throw new Error('no model at /models/e5: not available offline');
        },
      },
    ];
    const r = await trainClassifier({ data, outDir: dir, encoders, params: { seed: 3 } }, silentContext());
    expect(r.candidates?.map((c) => [c.model, c.encoder ?? null, c.status, c.reason ?? null])).toEqual([
      ['linear', null, 'trained', null],
      ['fasttext', null, 'trained', null],
      ['encoder', 'hashed-bow', 'trained', null],
      ['encoder', 'transformers', 'skipped', 'no model at /models/e5: not available offline'],
    ]);
    const trained = r.candidates!.filter((c) => c.status === 'trained');
    const chosen = r.candidates!.find((c) => c.chosen)!;
    expect(chosen.validation!.macro_f1).toBe(Math.max(...trained.map((c) => c.validation!.macro_f1)));
    expect(r.model).toBe(chosen.model);
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ requested: 'auto', model: r.model, candidates: r.candidates });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model).toBe(r.model);
  });

  it('needs a validation part to choose on', async () => {
    await expect(trainClassifier({ data, outDir: tmp('auto-noval'), params: { split: { validation: 0 } } }, silentContext())).rejects.toMatchObject({
      kind: 'invalid-input',
      details: { field: 'split.validation' },
    });
  });
});

describe('cross-validation', () => {
  it('reports every fold and mean ± spread per metric', async () => {
    const dir = tmp('cv');
    const cv = await crossValidate({ data: topicTexts(300), nSplits: 3, outDir: dir, model: 'fasttext', params: { train: { epochs: 4 } } }, silentContext());
    expect(cv.folds.map((f) => f.test)).toEqual([100, 100, 100]);
    const accs = cv.folds.map((f) => f.metrics.accuracy);
    expect(cv.summary.accuracy!.mean).toBeCloseTo(accs.reduce((a, b) => a + b, 0) / 3, 12);
    expect(cv.summary.accuracy!.std).toBeGreaterThanOrEqual(0);
    expect(cv.summary.macro_f1!.mean).toBeGreaterThan(0.7);
    expect(JSON.parse(readFileSync(join(dir, 'cv.json'), 'utf8')).nSplits).toBe(3);
    await expect(crossValidate({ data, nSplits: 1 }, silentContext())).rejects.toMatchObject({ kind: 'invalid-input' });
  });
});

describe('parameters', () => {
  it('fills documented defaults and rejects bad values with the field name', () => {
    const p = parseClassifyParams({});
    expect(p).toMatchObject({
      model: 'auto',
      linear: { wordNgrams: 2, charNgrams: 0, C: [1, 10, 100], folds: 3 },
      seed: 42,
      split: { test: 0.2, validation: 0.1 },
      features: { buckets: 2 ** 20, wordNgrams: 2 },
      train: { metric: 'loss', patience: 3 },
    });
    expect(() => parseClassifyParams({ train: { lr: -1 } })).toThrow(/train\.lr/);
    expect(() => parseClassifyParams({ modle: 'x' })).toThrow(/classifier parameter/);
    // a single C from --set linear.C=10 is a grid of one
    expect(parseClassifyParams({ linear: { C: 10 } }).linear.C).toEqual([10]);
    expect(() => parseClassifyParams({ linear: { charNgrams: 1 } })).toThrow(/linear\.charNgrams/);
  });
});
