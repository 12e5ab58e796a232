import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PreTrainedModel, Tensor as TensorType } from '@huggingface/transformers';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { bertReferenceForward } from '../fixtures/bert-reference.ts';
import type { BertSequence } from '../fixtures/bert-reference.ts';
import { BERT_SPECIAL_TOKENS } from '../fixtures/bert-folder.ts';
import { bertVocabulary, writeBertEncoder } from '../fixtures/make-bert-encoder.ts';
import type { BertEncoderConfig, BertWeights } from '../fixtures/make-bert-encoder.ts';
import { tinyBertVocabulary } from '../fixtures/make-tiny-bert.ts';

// transformers.js binds fetch when it is first imported: stub it before that, and import afterwards
const fetchSpy = vi.fn(async (url: unknown) => {
  throw new Error(`network access attempted: ${String(url)}`);
});
vi.stubGlobal('fetch', fetchSpy);
const { AutoModel, AutoTokenizer, Tensor, env } = await import('@huggingface/transformers');
const { TransformersProvider } = await import('../../main/engine/embed/transformers.ts');

const CONFIG: BertEncoderConfig = {
  vocabSize: 300,
  hidden: 16,
  layers: 2,
  heads: 2,
  intermediate: 32,
  maxPositions: 24,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
};
const ctx = silentContext();

function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

/** last_hidden_state of the ONNX model for equally long sequences, flattened [batch, seq, hidden] */
async function runOnnx(model: PreTrainedModel, batch: readonly BertSequence[]): Promise<Float32Array> {
  const input = (pick: (s: BertSequence) => readonly number[]) =>
    new Tensor('int64', BigInt64Array.from(batch.flatMap((s) => pick(s).map(BigInt))), [batch.length, batch[0]!.inputIds.length]);
  const outputs = (await model({
    input_ids: input((s) => s.inputIds),
    attention_mask: input((s) => s.attentionMask),
    token_type_ids: input((s) => s.tokenTypeIds),
  })) as Record<string, TensorType>;
  return outputs.last_hidden_state!.data as Float32Array;
}

const reference = (weights: BertWeights, batch: readonly BertSequence[]) =>
  Float64Array.from(batch.flatMap((s) => bertReferenceForward(CONFIG, weights, s).flatMap((row) => Array.from(row))));

describe('BERT encoder fixture (make-bert-encoder.ts)', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'ty-bert-encoder-')), 'bert-encoder');
  let weights: BertWeights;
  let model: PreTrainedModel;

  beforeAll(async () => {
    weights = writeBertEncoder(folder, { config: CONFIG, words: tinyBertVocabulary(), maxLength: CONFIG.maxPositions, seed: 7, std: 0.3 }).weights;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(folder) + '/';
    model = await AutoModel.from_pretrained(basename(folder), { local_files_only: true, dtype: 'fp32' });
  });
  afterAll(async () => {
    await model.dispose();
    rmSync(dirname(folder), { recursive: true, force: true });
  });

  it('computes what a plain BERT forward pass computes, padded batches included', async () => {
    const long: BertSequence = { inputIds: [2, 150, 151, 152, 153, 154, 3], attentionMask: [1, 1, 1, 1, 1, 1, 1], tokenTypeIds: [0, 0, 0, 0, 1, 1, 1] };
    const short: BertSequence = { inputIds: [2, 160, 161, 3], attentionMask: [1, 1, 1, 1], tokenTypeIds: [0, 0, 0, 0] };
    const padded: BertSequence = {
      inputIds: [...short.inputIds, 0, 0, 0],
      attentionMask: [...short.attentionMask, 0, 0, 0],
      tokenTypeIds: [...short.tokenTypeIds, 0, 0, 0],
    };

    const batch = await runOnnx(model, [long, padded]);
    expect(maxAbsDifference(batch, reference(weights, [long, padded]))).toBeLessThan(1e-4);

    // the mask matters: the padded row's real positions are those of the sequence alone ...
    const alone = await runOnnx(model, [short]);
    const rowStart = long.inputIds.length * CONFIG.hidden;
    expect(maxAbsDifference(batch.subarray(rowStart, rowStart + alone.length), alone)).toBeLessThan(1e-5);
    // ... and attending to the padding would have given something else
    const unmasked = { ...padded, attentionMask: padded.attentionMask.map(() => 1) };
    expect(maxAbsDifference(batch.subarray(rowStart), reference(weights, [unmasked]))).toBeGreaterThan(1e-3);
  });

  it('gives the transformers provider mean-pooled reference vectors', async () => {
    const texts = ['rocket launch into orbit around the moon', 'bake the bread', 'goal', 'the football team won the league match after a long season'];
    const provider = await TransformersProvider.load({ modelPath: folder, dtype: 'fp32', batchSize: 3 }, ctx);
    const tokenizer = await AutoTokenizer.from_pretrained(basename(folder), { local_files_only: true });
    try {
      expect(provider.dimensions).toBe(CONFIG.hidden);
      const vectors = await provider.embed(texts, ctx);
      const expected = texts.flatMap((text) => {
        const inputIds = tokenizer.encode(text) as number[];
        const rows = bertReferenceForward(CONFIG, weights, { inputIds, attentionMask: inputIds.map(() => 1), tokenTypeIds: inputIds.map(() => 0) });
        const mean = rows[0]!.map((_, k) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length);
        const norm = Math.hypot(...mean);
        return Array.from(mean, (v) => v / norm);
      });
      expect(maxAbsDifference(vectors, expected)).toBeLessThan(1e-4);
    } finally {
      await provider.dispose();
    }
  });

  it('lays out a BERT-sized vocabulary: special tokens first, every token once, padded to the size', () => {
    const vocab = bertVocabulary(30522, ['hello', 'world', 'hello']);
    expect(vocab).toHaveLength(30522);
    expect(new Set(vocab).size).toBe(30522);
    expect(vocab.slice(0, BERT_SPECIAL_TOKENS.length)).toEqual(BERT_SPECIAL_TOKENS);
    expect(vocab).toContain('##e');
    expect(vocab.at(-1)).toMatch(/^\[unused\d+\]$/);
  });

  it('never touched the network', () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
