import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { configSchema } from '../../main/engine/config/schema.ts';
import type { ItemCatalog } from '../../main/engine/data/types.ts';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { createEmbeddingProvider, restoreEmbeddingProvider, saveEmbeddingState } from '../../main/engine/embed/factory.ts';
import { defaultGloveAvailable, GLOVE_PACKAGE, GLOVE_WORDS as COMPACT_WORDS } from '../../main/engine/embed/glove.ts';
import { combineBlocks, LSA_WEIGHT, LsaGloveProvider } from '../../main/engine/embed/lsa-glove.ts';
import { stageByName } from '../../main/engine/recsys/stages.ts';
import { fillGloveCache } from '../fixtures/make-glove-json.ts';

const ctx = silentContext();
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-lsa-glove-${name}-`));

/** A model cache holding the tiny GloVe fixture under the name of the package's converted file. */
const cacheWithGlove = () => fillGloveCache(tmp('cache'));

// LSA knows only the words of these texts; 'astronaut', 'galaxy', 'planet' and 'coach' are GloVe's alone
const CORPUS = [
  'rocket orbit moon',
  'moon rocket launch',
  'orbit of the moon',
  'bread butter oven',
  'flour sugar recipe',
  'oven bread recipe',
  'goal league match',
  'striker stadium goal',
  'league match stadium',
];

const dot = (v: Float32Array, i: number, j: number, d: number) => v.subarray(i * d, (i + 1) * d).reduce((s, x, k) => s + x * v[j * d + k]!, 0);

describe('combined LSA + GloVe blocks', () => {
  it('give unit rows whose inner products are the weighted sum of the two cosines', () => {
    const s = Math.SQRT1_2;
    const a = Float32Array.from([1, 0, s, s, 0, 1]); // three rows of 2
    const b = Float32Array.from([0, 1, 0, 1, 1, 0]);
    const v = combineBlocks(a, 2, b, 2, 0.3);
    for (let i = 0; i < 3; i++) expect(dot(v, i, i, 4)).toBeCloseTo(1, 6);
    expect(dot(v, 0, 1, 4)).toBeCloseTo(0.3 * s + 0.7 * 1, 6);
    expect(dot(v, 0, 2, 4)).toBeCloseTo(0.3 * 0 + 0.7 * 0, 6);
    expect(dot(v, 1, 2, 4)).toBeCloseTo(0.3 * s + 0.7 * 0, 6);
  });

  it('keep a row that one block cannot embed at unit length on the other block alone', () => {
    const v = combineBlocks(Float32Array.from([0, 0, 1, 0, 0, 0]), 2, Float32Array.from([0, 1, 0, 0, 0, 0]), 2, LSA_WEIGHT);
    expect(Array.from(v)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('the builtin provider with GloVe at hand', () => {
  const xdg = process.env.XDG_CACHE_HOME;
  afterEach(() => {
    if (xdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = xdg;
  });

  it('combines the catalogue LSA with GloVe-SIF, records the combination, answers queries in words only GloVe knows, and restores', async () => {
    const cacheDir = cacheWithGlove();
    const p = await createEmbeddingProvider({ provider: 'builtin', dimensions: 4, cacheDir }, ctx);
    expect(p).toBeInstanceOf(LsaGloveProvider);
    await p.fit!(CORPUS, ctx);
    expect(p.effective()).toEqual({
      provider: 'builtin',
      model: `tfidf-lsa+${GLOVE_PACKAGE}-${COMPACT_WORDS}`,
      dimensions: p.dimensions,
      device: 'cpu',
      truncated: 0,
      combination: { lsaDimensions: p.dimensions - 8, glove: `${GLOVE_PACKAGE}-${COMPACT_WORDS}`, gloveDimensions: 8, lsaWeight: LSA_WEIGHT },
    });
    const d = p.dimensions;
    const docs = await p.embed(CORPUS, ctx);
    for (let i = 0; i < CORPUS.length; i++) expect(dot(docs, i, i, d)).toBeCloseTo(1, 5);
    // a word counts when either block knows it
    expect(await p.queryWords!('astronaut and zzzz near the moon')).toEqual({ used: ['astronaut', 'and', 'the', 'moon'], unknown: ['zzzz', 'near'] });
    // LSA has never seen these words; GloVe puts them with the space texts
    const [query] = [await p.embed(['astronaut galaxy planet'], ctx)];
    const scores = CORPUS.map((_, i) => docs.subarray(i * d, (i + 1) * d).reduce((s, x, k) => s + x * query![k]!, 0));
    expect(scores.indexOf(Math.max(...scores))).toBeLessThan(3);
    const lsaOnly = new BuiltinLsaProvider({ dimensions: 4 });
    await lsaOnly.fit(CORPUS, ctx);
    expect(Array.from(await lsaOnly.embed(['astronaut galaxy planet'], ctx)).every((x) => x === 0)).toBe(true);

    const state = tmp('state');
    await saveEmbeddingState(p, state);
    const restored = await restoreEmbeddingProvider({ provider: 'builtin', dimensions: 4, cacheDir }, state, ctx);
    expect(restored).toBeInstanceOf(LsaGloveProvider);
    expect(Array.from(await restored.embed(CORPUS, ctx))).toEqual(Array.from(docs));
    // vectors gone since the index was built: the error says what the index needs
    const gone = tmp('gone');
    if (!defaultGloveAvailable(gone))
      await expect(restoreEmbeddingProvider({ provider: 'builtin', cacheDir: gone }, state, ctx)).rejects.toMatchObject({
        kind: 'invalid-input',
        message: expect.stringContaining("combines the catalogue's LSA with GloVe word vectors, which are no longer at hand"),
      });
  });

  it('takes the compact vectors shipped beside the kernels when the model cache holds none, converting nothing', async () => {
    const empty = tmp('empty');
    const p = await createEmbeddingProvider({ provider: 'builtin', cacheDir: empty }, ctx);
    expect(p).toBeInstanceOf(LsaGloveProvider);
    expect((p as LsaGloveProvider).glove.effective()).toMatchObject({ model: `${GLOVE_PACKAGE}-${COMPACT_WORDS}`, dimensions: 100 });
    expect(readdirSync(empty)).toEqual([]);
  });

  it('is what the semantic stage builds by default, from the shipped vectors: recorded for the manifest and in the cache key', async () => {
    const catalog: ItemCatalog = {
      idColumn: 'id',
      columns: ['id', 'title'],
      rows: CORPUS.map((title, i) => ({ id: `i${i}`, title })),
    };
    const config = configSchema.parse({ stages: ['semantic'], semantic: { store: 'vec', template: '{title}' } });
    const stage = stageByName('semantic');
    // an empty user model cache (<XDG_CACHE_HOME>/trainyard/models): the vectors come from native/build
    process.env.XDG_CACHE_HOME = tmp('xdg');
    expect(stage.params(config, 1)).toMatchObject({ builtinGlove: true });
    const dir = tmp('stage');
    const effective = await stage.train(
      { split: null, userIds: [], itemIds: catalog.rows.map((r) => r.id!), catalog, config, threads: 1, runDir: dir },
      dir,
      ctx,
    );
    expect(effective).toMatchObject({
      provider: 'builtin',
      combination: { glove: `${GLOVE_PACKAGE}-${COMPACT_WORDS}`, gloveDimensions: 100, lsaWeight: LSA_WEIGHT },
    });
  });
});
