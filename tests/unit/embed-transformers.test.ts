import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { TransformersProvider as Provider } from '../../main/engine/embed/transformers.ts';
import { TINY_BERT_HIDDEN, writeTinyBert } from '../fixtures/make-tiny-bert.ts';

const ctx = silentContext();
// transformers.js binds fetch when it is first imported: stub it before that, and import afterwards
const fetchSpy = vi.fn(async (url: unknown) => {
  throw new Error(`network access attempted: ${String(url)}`);
});
vi.stubGlobal('fetch', fetchSpy);
const { TransformersProvider } = await import('../../main/engine/embed/transformers.ts');

const TEXTS = [
  'rocket launch into orbit around the moon',
  'the astronaut watched the rocket launch from space',
  'bake the bread in a hot oven',
  'a cake recipe with flour sugar and butter',
  'goal',
  'the football team won the league match after a long season of great football',
];

function cosine(v: Float32Array, i: number, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += v[i * d + k]! * v[j * d + k]!;
  return s;
}

describe('transformers provider on the tiny BERT fixture', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'ty-bert-')), 'tiny-bert');
  let provider: Provider;

  beforeAll(async () => {
    writeTinyBert(folder, { maxLength: 16 });
    provider = await TransformersProvider.load({ modelPath: folder, dtype: 'fp32', batchSize: 2 }, ctx);
  });
  afterAll(async () => {
    await provider.dispose();
  });

  it('returns unit vectors of the hidden size, independent of batching and padding', async () => {
    expect(provider.dimensions).toBe(TINY_BERT_HIDDEN);
    const v = await provider.embed(TEXTS, ctx);
    const d = provider.dimensions;
    expect(v).toHaveLength(TEXTS.length * d);
    for (let i = 0; i < TEXTS.length; i++) expect(cosine(v, i, i, d)).toBeCloseTo(1, 5);
    // each text alone (no padding) gives the same vector as inside a padded, length-sorted batch
    for (let i = 0; i < TEXTS.length; i++) {
      const alone = await provider.embed([TEXTS[i]!], ctx);
      for (let k = 0; k < d; k++) expect(alone[k]!).toBeCloseTo(v[i * d + k]!, 5);
    }
    // shared words pull texts together
    expect(cosine(v, 0, 1, d)).toBeGreaterThan(cosine(v, 0, 3, d));
  });

  it('counts texts cut at the model maximum and records what ran', async () => {
    const before = provider.effective().truncated;
    await provider.embed([TEXTS[5]!, TEXTS[4]!, 'space '.repeat(40)], ctx);
    const eff = provider.effective();
    expect(eff.truncated - before).toBe(2);
    expect(eff).toMatchObject({ provider: 'transformers', model: folder, dimensions: TINY_BERT_HIDDEN, device: 'cpu', maxLength: 16 });
  });

  it('cuts texts at the sequence length a sentence-transformers folder was trained with', async () => {
    const trained = join(mkdtempSync(join(tmpdir(), 'ty-bert-st-')), 'tiny-bert');
    writeTinyBert(trained, { maxLength: 16 });
    writeFileSync(join(trained, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8, do_lower_case: false }));
    const shorter = await TransformersProvider.load({ modelPath: trained, dtype: 'fp32' }, ctx);
    try {
      await shorter.embed(['space rocket', 'space rocket orbit moon star planet galaxy telescope launch'], ctx);
      expect(shorter.effective()).toMatchObject({ maxLength: 8, truncated: 1 });
    } finally {
      await shorter.dispose();
    }
    writeFileSync(join(trained, 'sentence_bert_config.json'), '{ not json');
    await expect(TransformersProvider.load({ modelPath: trained, dtype: 'fp32' }, ctx)).rejects.toThrow(/sentence_bert_config\.json is not valid JSON/);
  });

  it('falls back to cpu when the requested execution provider is unavailable, and records it', async () => {
    const p = await TransformersProvider.load({ modelPath: folder, dtype: 'fp32', device: 'cuda' }, ctx);
    const eff = p.effective();
    if (eff.device === 'cpu') expect(eff.requestedDevice).toBe('cuda');
    else expect(eff.device).toBe('cuda');
    expect((await p.embed(['moon'], ctx)).length).toBe(TINY_BERT_HIDDEN);
    await p.dispose();
  });

  it('explains what to do when the model folder or its weights are missing', async () => {
    const missing = join(tmpdir(), 'ty-no-such-model');
    await expect(TransformersProvider.load({ modelPath: missing }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringMatching(/ty-no-such-model[\s\S]*provider=builtin/),
    });
    // the fixture has fp32 weights only: asking for q8 must name the missing file
    await expect(TransformersProvider.load({ modelPath: folder, dtype: 'q8' }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('model_quantized.onnx'),
    });
  });

  it('never touched the network', () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
