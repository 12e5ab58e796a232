import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { TaskContext } from '../../main/engine/common/task-context.ts';
import { resolveConfig } from '../../main/engine/config/load.ts';
import { createEmbeddingProvider, restoreEmbeddingProvider, saveEmbeddingState } from '../../main/engine/embed/factory.ts';
import { GloveProvider } from '../../main/engine/embed/glove.ts';
import { firstComponent, removeComponentAndNormalise, sifWeight, weightedMeans, zipfProbability } from '../../main/engine/embed/sif.ts';
import { convertWinkJson, loadWordVectors, toHalf } from '../../main/engine/embed/word-vectors.ts';
import { buildSemanticIndex, openSemanticIndex } from '../../main/engine/recsys/semantic.ts';
import { GLOVE_TOPICS, GLOVE_WORDS, writeGloveJson } from '../fixtures/make-glove-json.ts';

const ctx = silentContext();
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-glove-${name}-`));

function fixture(): { json: string; source: Record<string, number[]>; dir: string } {
  const dir = tmp('src');
  const json = join(dir, 'tiny-glove.json');
  return { json, source: writeGloveJson(json), dir };
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k]!, 0);

describe('float16 encoding', () => {
  it('rounds to nearest even and saturates like IEEE 754 binary16', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(0x0001);
    expect(toHalf(1e-9)).toBe(0);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie: stays on the even neighbour
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});

describe('GloVe JSON → compact file', () => {
  it('keeps the most frequent tokenizable words with their source ranks, and the same vectors to float16 precision', () => {
    const { json, source, dir } = fixture();
    const bin = join(dir, 'tiny.bin');
    const made = convertWinkJson(json, bin, 5);
    expect(made).toEqual({ words: 5, bytes: statSync(bin).size });
    const wv = loadWordVectors(bin);
    // ',', 'a' (one letter) and '"' cannot come out of the tokenizer: dropped
    expect(wv.words).toEqual(['the', 'of', 'and', 'rocket', 'orbit']);
    expect([...wv.ranks]).toEqual(wv.words.map((w) => GLOVE_WORDS.indexOf(w)));
    expect(wv.sourceWords).toBe(GLOVE_WORDS.length);
    expect(wv.dims).toBe(8);
    wv.words.forEach((w, i) => {
      for (let k = 0; k < 8; k++) expect(Math.abs(wv.vectors[i * 8 + k]! - source[w]![k]!)).toBeLessThanOrEqual(Math.abs(source[w]![k]!) * 2 ** -11);
    });

    const all = loadWordVectors((convertWinkJson(json, bin, 1000), bin));
    expect(all.words).toEqual(GLOVE_WORDS.filter((w) => ![',', 'a', '"', "n't"].includes(w)));
    expect(all.index.get('café')).toBe(all.words.length - 1);
  });

  it('reads the JSON member by member: the same file from an indented JSON with its members in another order', () => {
    const { json, dir } = fixture();
    const compact = join(dir, 'compact.bin');
    convertWinkJson(json, compact, 1000);
    const { words, vectors, ...rest } = JSON.parse(readFileSync(json, 'utf8')) as { words: string[]; vectors: unknown };
    const indented = join(dir, 'indented.json');
    // words without vectors, with brackets and escapes inside strings, are skipped like any word without one
    writeFileSync(indented, JSON.stringify({ vectors, extra: { note: 'a } and a ]' }, words: [...words, 'x]y', 'q{"z\\'], ...rest }, null, 2));
    const bin = join(dir, 'indented.bin');
    convertWinkJson(indented, bin, 1000);
    const [a, b] = [loadWordVectors(compact), loadWordVectors(bin)];
    expect(b).toEqual({ ...a, sourceWords: words.length + 2 });
    expect(b.words).toHaveLength(GLOVE_WORDS.length - 4);
  });

  it('refuses a damaged compact file or a JSON of another layout, naming the file', () => {
    const { json, dir } = fixture();
    const bin = join(dir, 'tiny.bin');
    convertWinkJson(json, bin, 10);
    writeFileSync(bin, readFileSync(bin).subarray(0, 100));
    expect(() => loadWordVectors(bin)).toThrow(new RegExp(`${bin}: not a word vector file .*bytes, expected`));
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ hello: 'world' }));
    expect(() => convertWinkJson(other, bin, 10)).toThrow(`${other}: not a wink embeddings file`);
    const cut = join(dir, 'cut.json');
    const text = readFileSync(json, 'utf8');
    writeFileSync(cut, text.slice(0, text.indexOf('"butter":') + 20));
    expect(() => convertWinkJson(cut, bin, 10)).toThrow(new RegExp(`${cut}: not a wink embeddings file \\(an array at byte \\d+ is not closed\\)`));
  });
});

describe('SIF', () => {
  it('Zipf probabilities sum to one and weight frequent words down', () => {
    const size = 500;
    expect(Array.from({ length: size }, (_, r) => zipfProbability(r, size)).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(zipfProbability(9, 100_000)).toBeCloseTo(1 / (10 * (Math.log(100_000) + 0.5772156649)), 8);
    expect(sifWeight(1e-3)).toBe(0.5);
    expect(sifWeight(zipfProbability(0, 100_000))).toBeLessThan(0.02);
    expect(sifWeight(zipfProbability(50_000, 100_000))).toBeGreaterThan(0.99);
  });

  it('averages weighted word vectors and removes the first principal component', () => {
    // words: (1,0), (0,1), (1,1)
    const vectors = Float32Array.from([1, 0, 0, 1, 1, 1]);
    const weights = Float32Array.from([1, 0.5, 2]);
    const means = weightedMeans([[0, 1], [2], []], vectors, weights, 2);
    expect([...means]).toEqual([0.5, 0.25, 2, 2, 0, 0]);
    // rows (3,0), (0,1): xᵀx = diag(9, 1), so the component is ±(1,0)
    const u = firstComponent(Float32Array.from([3, 0, 0, 1]), 2);
    expect(Math.abs(u[0]!)).toBeCloseTo(1, 6);
    expect(u[1]).toBeCloseTo(0, 6);
    const x = Float32Array.from([3, 4, 6, 0, 0, 0]);
    removeComponentAndNormalise(x, Float32Array.from([1, 0]), 2);
    expect([...x]).toEqual([0, 1, 0, 0, 0, 0]);
  });
});

describe('glove provider', () => {
  const logs = (): { ctx: TaskContext; lines: string[] } => {
    const lines: string[] = [];
    return { ctx: { ...ctx, log: (_l, m) => lines.push(m) }, lines };
  };
  const texts = [
    'The rocket reached orbit around the moon',
    'An astronaut saw the galaxy from the planet',
    'Bread and butter from the oven',
    'A recipe with flour and sugar',
    'The striker scored a goal in the league match',
    'The coach left the stadium',
  ];

  it('converts once into the cache, then loads the compact file; embeds by topic; answers which query words it knows', async () => {
    const { json } = fixture();
    const cacheDir = tmp('cache');
    const first = logs();
    const p = await GloveProvider.load({ modelPath: json, cacheDir }, first.ctx);
    expect(first.lines.join('\n')).toMatch(/converting .*tiny-glove\.json into .*tiny-glove-100000\.bin \(once\)/);
    const again = logs();
    await GloveProvider.load({ modelPath: json, cacheDir }, again.ctx);
    expect(again.lines).toEqual([]);

    await p.fit(texts, ctx);
    const v = await p.embed(texts, ctx);
    const row = (i: number) => v.subarray(i * 8, (i + 1) * 8);
    expect(cosine(row(0), row(0))).toBeCloseTo(1, 5);
    for (const [a, same, other] of [
      [0, 1, 2],
      [2, 3, 4],
      [4, 5, 0],
    ] as const) {
      // the shared direction is removed: texts of different topics are no longer alike (0.69 and more with it)
      expect(cosine(row(a), row(same))).toBeGreaterThan(0.8);
      expect(cosine(row(a), row(other))).toBeLessThan(0.3);
    }
    expect([...(await p.embed(['zorgle blimp'], ctx))].every((x) => x === 0)).toBe(true);
    expect(await p.queryWords('Rocket zorgle, the moon')).toEqual({ used: ['rocket', 'the', 'moon'], unknown: ['zorgle'] });
    expect(p.effective()).toEqual({ provider: 'glove', model: 'tiny-glove-100000', dimensions: 8, device: 'cpu', truncated: 0 });
  });

  it('is restored from a saved index with the same vectors, and built into a searchable semantic index', async () => {
    const { json, dir } = fixture();
    const bin = join(dir, 'tiny.bin');
    convertWinkJson(json, bin, 100);
    const config = { provider: 'glove' as const, modelPath: bin };
    const p = await createEmbeddingProvider(config, ctx);
    await p.fit!(texts, ctx);
    const state = tmp('state');
    await saveEmbeddingState(p, state);
    const restored = await restoreEmbeddingProvider(config, state, ctx);
    expect(await restored.embed(texts, ctx)).toEqual(await p.embed(texts, ctx));
    await expect(restoreEmbeddingProvider(config, tmp('empty'), ctx)).rejects.toThrow(/glove sentence model is missing; rebuild the semantic stage/);

    const catalog = {
      idColumn: 'id',
      columns: ['id', 'title', 'genre'],
      rows: Object.entries(GLOVE_TOPICS).flatMap(([genre, words]) =>
        words.map((w, i) => ({ id: `${genre}${i}`, title: `${w} ${words[(i + 1) % words.length]} the`, genre })),
      ),
    };
    const indexDir = tmp('index');
    const info = await buildSemanticIndex({ catalog, template: '{title}', embedding: config, store: 'vec', dir: indexDir }, ctx);
    expect(info.effective).toMatchObject({ provider: 'glove', model: 'tiny', dimensions: 8 });
    const index = openSemanticIndex(indexDir, ctx, { embedInWorker: true });
    const found = await index.search('moon rocket zorgle', 3);
    expect(found.query).toEqual({ used: ['moon', 'rocket'], unknown: ['zorgle'] });
    expect(found.hits.map((h) => h.metadata.genre)).toEqual(['space', 'space', 'space']);
    expect(await index.search('zorgle', 3)).toEqual({ hits: [], query: { used: [], unknown: ['zorgle'] } });
    await index.close();
  });

  it('a missing vector file is an input error naming semantic.modelPath; the pipeline config accepts provider glove', async () => {
    await expect(GloveProvider.load({ modelPath: '/nowhere/glove.bin' }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: 'semantic.modelPath /nowhere/glove.bin does not exist',
    });
    expect(resolveConfig({ set: ['semantic.provider=glove'] }).config.semantic.provider).toBe('glove');
  });
});
