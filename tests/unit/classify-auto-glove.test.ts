import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { GLOVE_PACKAGE } from '../../main/engine/embed/glove.ts';
import type * as GloveModule from '../../main/engine/embed/glove.ts';
import { classifierTrainer, loadClassifierWithEmbedding } from '../../main/engine/runs/classifier-embedding.ts';
import { fillGloveCache, GLOVE_TOPICS } from '../fixtures/make-glove-json.ts';

// the shipped vectors are in native/build; this switch stands for a build without them
const gloveAtHand = vi.hoisted(() => ({ value: true }));
vi.mock('../../main/engine/embed/glove.ts', async (importActual) => {
  const actual = await importActual<typeof GloveModule>();
  return { ...actual, defaultGloveAvailable: (cacheDir?: string) => gloveAtHand.value && actual.defaultGloveAvailable(cacheDir) };
});

const ctx = silentContext();
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-auto-glove-${name}-`));

/** A model cache holding the tiny GloVe fixture under the name of the package's converted file. */
const cacheWithGlove = () => fillGloveCache(tmp('cache'));

/** Short texts of the fixture's topic words: each text three words of its topic and a filler word. */
const data = Object.entries(GLOVE_TOPICS).flatMap(([topic, words]) =>
  Array.from({ length: 40 }, (_, i) => ({ label: topic, text: `${words[i % 6]} ${words[(i * 5 + 1) % 6]} the ${words[(i * 7 + 2) % 6]} ${i}` })),
);

const job = (cacheDir: string, outDir: string) => ({
  data,
  model: 'auto' as const,
  params: { seed: 5, train: { epochs: 3 }, embedding: { provider: 'builtin', dimensions: 4, cacheDir } },
  outDir,
});

describe('auto and the GloVe-SIF encoder', () => {
  afterEach(() => {
    gloveAtHand.value = true;
  });

  it('tries an encoder over GloVe-SIF when the vectors are at hand, and a chosen one predicts after loading', async () => {
    const outDir = tmp('run');
    const r = await classifierTrainer.train(job(cacheWithGlove(), outDir), ctx);
    expect(r.candidates?.map((c) => [c.model, c.encoder ?? null, c.status])).toEqual([
      ['linear', null, 'trained'],
      ['fasttext', null, 'trained'],
      ['encoder', 'builtin', 'trained'],
      ['encoder', 'glove', 'trained'],
    ]);
    const glove = r.candidates!.find((c) => c.encoder === 'glove')!;
    expect(glove.validation!.macro_f1).toBeGreaterThan(0.9);
    expect(glove.seconds).toBeGreaterThan(0);
    const clf = await loadClassifierWithEmbedding(outDir, ctx);
    expect((await clf.predict('the astronaut saw a galaxy')).label).toBe('space');
  });

  it('skips it with the reason when no GloVe vectors are at hand', async () => {
    gloveAtHand.value = false;
    const r = await classifierTrainer.train(job(tmp('empty'), tmp('run')), ctx);
    const glove = r.candidates!.find((c) => c.encoder === 'glove')!;
    expect(glove).toMatchObject({ model: 'encoder', status: 'skipped', chosen: false });
    expect(glove.reason).toContain(`GloVe word vectors are not at hand (${GLOVE_PACKAGE}`);
    expect(r.candidates!.filter((c) => c.status === 'trained').map((c) => c.encoder ?? c.model)).toEqual(['linear', 'fasttext', 'builtin']);
  });
});
