import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ItemCatalog } from '../../main/engine/data/types.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { TaskContext } from '../../main/engine/common/task-context.ts';
import type { VectorStoreKind } from '../../main/engine/store/vector-store.ts';
import { WorkerEmbeddingProvider } from '../../main/engine/embed/worker-provider.ts';
import { writeTinyBert } from '../fixtures/make-tiny-bert.ts';

const fetchSpy = vi.fn(async () => {
  throw new Error('network access attempted');
});
vi.stubGlobal('fetch', fetchSpy);
const { buildSemanticIndex, buildUserProfiles, createSemanticScorer, exactIndexShards, openSemanticIndex, renderTemplate, semanticScorerFromIndex } =
  await import('../../main/engine/recsys/semantic.ts');

const ctx = silentContext();

const TOPICS: Record<string, { genre: string; words: string[] }> = {
  space: { genre: 'Sci-Fi', words: ['rocket', 'orbit', 'astronaut', 'galaxy', 'planet', 'launch', 'moon', 'telescope'] },
  cooking: { genre: 'Food', words: ['bread', 'oven', 'flour', 'recipe', 'butter', 'bake', 'sugar', 'kitchen'] },
  football: { genre: 'Sport', words: ['goal', 'league', 'match', 'striker', 'team', 'coach', 'stadium', 'season'] },
};

/** 36 items, 12 per topic, each with 4 topic words; ids s0.., c0.., f0.. */
function catalog(perTopic = 12): ItemCatalog {
  const rows: Record<string, string>[] = [];
  for (const [topic, { genre, words }] of Object.entries(TOPICS)) {
    for (let i = 0; i < perTopic; i++) {
      const pick = [0, 1, 2, 3].map((k) => words[(i + k * 3) % words.length]!);
      rows.push({
        id: `${topic[0]}${i}`,
        title: `The ${pick[0]} ${pick[1]}`,
        description: `A story about ${pick.join(' and ')}`,
        genres: genre,
        year: String(1990 + i),
      });
    }
  }
  return { idColumn: 'id', columns: ['id', 'title', 'description', 'genres', 'year'], rows };
}

describe('renderTemplate', () => {
  it('fills placeholders, case-insensitively, with missing fields empty', () => {
    expect(renderTemplate('{title}. {Description} ({missing})', { title: 'Up', description: 'A  house\nflies' })).toBe('Up. A house flies ()');
  });
});

describe.each<VectorStoreKind>(['vss', 'vec'])('semantic index with builtin embeddings in %s', (store) => {
  it('builds, searches by text with metadata and category filter, finds similar items, and rebuilds cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), `ty-sem-${store}-`));
    const info = await buildSemanticIndex({ catalog: catalog(), embedding: { provider: 'builtin', dimensions: 8, seed: 1 }, store, dir }, ctx);
    // the default: LSA (at most 8 dimensions on 36 texts) beside the 100 of the shipped GloVe vectors
    expect(info).toMatchObject({ items: 36, template: '{title}. {description}', store: { kind: store }, effective: { provider: 'builtin' } });
    expect(info.effective.combination).toMatchObject({ gloveDimensions: 100 });
    expect(info.dimensions).toBe(info.effective.combination!.lsaDimensions + 100);
    expect(info.effective.combination!.lsaDimensions).toBeLessThanOrEqual(8);

    const index = openSemanticIndex(dir);
    const { hits, query } = await index.search('a rocket launch to the moon zorgle', 5);
    // 'to' is not in the catalogue, GloVe knows it; 'a' is no token
    expect(query).toEqual({ used: ['rocket', 'launch', 'to', 'the', 'moon'], unknown: ['zorgle'] });
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.item.startsWith('s'))).toBe(true);
    expect(hits[0]!.metadata).toEqual(catalog().rows.find((r) => r.id === hits[0]!.item));
    expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[4]!.score);

    const { hits: food } = await index.search('rocket', 3, { category: 'food' });
    expect(food.map((h) => h.metadata.genres)).toEqual(['Food', 'Food', 'Food']);

    const similar = index.similar('f3', 4);
    expect(similar.map((h) => h.item)).not.toContain('f3');
    expect(similar.every((h) => h.item.startsWith('f'))).toBe(true);
    expect(index.vectorOf('c1')).toHaveLength(info.dimensions);
    expect(index.vectorOf('nope')).toBeNull();
    expect(() => index.similar('nope', 3)).toThrow(/not in the semantic index/);
    await expect(index.search('   ', 3)).rejects.toMatchObject({ kind: 'invalid-input' });
    // no word the catalogue or GloVe knows: no answer, not k items of score 0
    expect(await index.search('Zorgle flurbo, zorgle!', 5)).toEqual({ hits: [], query: { used: [], unknown: ['zorgle', 'flurbo'] } });
    await index.close();

    // a smaller catalogue rebuilt into the same folder leaves no stale rows
    const small = catalog(2);
    await buildSemanticIndex({ catalog: small, embedding: { provider: 'builtin', dimensions: 8 }, store, dir }, ctx);
    const again = openSemanticIndex(dir);
    expect(again.info.items).toBe(6);
    expect(again.vectorOf('s11')).toBeNull();
    expect((await again.search('goal', 100)).hits.length).toBe(6);
    await again.close();
  });
});

describe('semantic index with the provider in a worker thread', () => {
  it('builds and searches exactly like the in-process provider', async () => {
    const local = mkdtempSync(join(tmpdir(), 'ty-sem-local-'));
    const worker = mkdtempSync(join(tmpdir(), 'ty-sem-worker-'));
    const embedding = { provider: 'builtin' as const, dimensions: 6, seed: 4 };
    const a = await buildSemanticIndex({ catalog: catalog(), embedding, store: 'vec', dir: local }, ctx);
    const progress: string[] = [];
    const b = await buildSemanticIndex(
      { catalog: catalog(), embedding, store: 'vec', dir: worker, embedInWorker: true },
      { ...ctx, progress: (u) => progress.push(u.stage) },
    );
    expect(b).toEqual(a);
    expect(progress).toContain('embed.fit');
    const [x, y] = [openSemanticIndex(local), openSemanticIndex(worker, ctx, { embedInWorker: true })];
    const [hx, hy] = [(await x.search('bread and butter', 5)).hits, (await y.search('bread and butter', 5)).hits];
    expect(hy.map((h) => h.item)).toEqual(hx.map((h) => h.item));
    hy.forEach((h, i) => expect(h.score).toBeCloseTo(hx[i]!.score, 6));
    expect(await y.search('zorgle bread', 2)).toMatchObject({ query: { used: ['bread'], unknown: ['zorgle'] } });
    expect(await y.search('zorgle', 2)).toEqual({ hits: [], query: { used: [], unknown: ['zorgle'] } });
    await x.close();
    await y.close();
  });
});

describe('a dead embedding worker', () => {
  const killWorker = (p: WorkerEmbeddingProvider) => (p as unknown as { rpc: { thread: { terminate(): Promise<number> } } }).rpc.thread.terminate();

  it('fails every later call at once with worker-crashed instead of hanging', async () => {
    const p = await WorkerEmbeddingProvider.start({ provider: 'builtin', dimensions: 4, seed: 1 });
    await p.fit(
      catalog().rows.map((r) => r.title!),
      ctx,
    );
    await killWorker(p);
    await expect(p.embed(['rocket'], ctx)).rejects.toMatchObject({ kind: 'worker-crashed' });
    await expect(p.embed(['rocket'], ctx)).rejects.toMatchObject({ kind: 'worker-crashed' });
    expect(p.crashed).toBe(true);
  });

  it('is replaced by the next search of the index it served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-crash-'));
    await buildSemanticIndex({ catalog: catalog(), embedding: { provider: 'builtin', dimensions: 6, seed: 4 }, store: 'vec', dir }, ctx);
    const started: WorkerEmbeddingProvider[] = [];
    const start = WorkerEmbeddingProvider.start.bind(WorkerEmbeddingProvider);
    const spy = vi.spyOn(WorkerEmbeddingProvider, 'start').mockImplementation(async (...args) => {
      const p = await start(...args);
      started.push(p);
      return p;
    });
    const index = openSemanticIndex(dir, ctx, { embedInWorker: true });
    const before = await index.search('bread and butter', 3);
    await killWorker(started[0]!);
    expect(await index.search('bread and butter', 3)).toEqual(before);
    expect(started).toHaveLength(2);
    await index.close();
    spy.mockRestore();
  });
});

describe('semantic recommendations', () => {
  it('scores the unseen items of a user’s topic above other topics, and items outside the index at -Infinity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-rec-'));
    await buildSemanticIndex({ catalog: catalog(), embedding: { provider: 'builtin', dimensions: 8, seed: 2 }, store: 'vec', dir }, ctx);
    const itemIds = [...catalog().rows.map((r) => r.id!), 'not-indexed'];
    const at = (id: string) => itemIds.indexOf(id);
    // user 0 watched cooking items, user 1 football items (with a weak cooking event), user 2 nothing
    const events = {
      user: Int32Array.from([0, 0, 0, 1, 1, 1]),
      item: Int32Array.from([at('c0'), at('c1'), at('c2'), at('f0'), at('f1'), at('c5')]),
      rating: Float32Array.from([5, 4, 5, 5, 5, 0.5]),
      ts: Float64Array.from([1, 2, 3, 1, 2, 3]),
    };
    const scorer = semanticScorerFromIndex(dir, itemIds, events, 3);
    expect(scorer.nItems).toBe(37);
    const out = new Float32Array(3 * 37);
    scorer.scoreUsers(Int32Array.from([0, 1, 2]), out);
    const topOf = (u: number) =>
      itemIds
        .map((id, i) => ({ id, s: out[u * 37 + i]! }))
        .filter((x) => !['c0', 'c1', 'c2', 'f0', 'f1', 'c5'].includes(x.id))
        .sort((a, b) => b.s - a.s)
        .slice(0, 5)
        .map((x) => x.id);
    expect(topOf(0).every((id) => id.startsWith('c'))).toBe(true);
    expect(topOf(1).every((id) => id.startsWith('f'))).toBe(true);
    expect(out[0 * 37 + at('not-indexed')]).toBe(-Infinity);
    expect(Array.from(out.subarray(2 * 37, 2 * 37 + 36)).every((s) => s === 0)).toBe(true);
    // rows depend only on the user, not the batch
    const single = new Float32Array(37);
    scorer.scoreUsers(Int32Array.from([1]), single);
    expect(Array.from(single)).toEqual(Array.from(out.subarray(37, 74)));
  });

  it('weights history by value and, optionally, by recency', () => {
    // two items along orthogonal axes; the profile leans to the heavier or the more recent one
    const vectors = Float32Array.from([1, 0, 0, 1]);
    const present = Uint8Array.from([1, 1]);
    const events = { user: Int32Array.from([0, 0]), item: Int32Array.from([0, 1]), rating: Float32Array.from([3, 1]), ts: Float64Array.from([0, 30 * 86_400]) };
    const byValue = buildUserProfiles(events, 1, vectors, 2);
    expect(byValue[0]! / byValue[1]!).toBeCloseTo(3, 5);
    const recent = buildUserProfiles(events, 1, vectors, 2, { recencyHalfLifeDays: 10 });
    expect(recent[0]! / recent[1]!).toBeCloseTo(3 / 8, 5);
    const scorer = createSemanticScorer(recent, vectors, present, 2);
    const out = new Float32Array(2);
    scorer.scoreUsers(Int32Array.from([0]), out);
    expect(out[1]!).toBeGreaterThan(out[0]!);
    expect(() => scorer.scoreUsers(Int32Array.from([5]), new Float32Array(2))).toThrow(/outside/);
  });
});

describe('exact index shards', () => {
  it('splits a vss Flat index over up to 4 threads from 50,000 items, and records the choice only then', async () => {
    expect(exactIndexShards(49_999)).toBe(1);
    expect(exactIndexShards(50_000)).toBe(Math.min(availableParallelism(), 4));
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-shards-'));
    const info = await buildSemanticIndex({ catalog: catalog(), embedding: { provider: 'builtin', dimensions: 8, seed: 1 }, store: 'vss', dir }, ctx);
    expect(info.store).toEqual({ kind: 'vss', factory: 'Flat,IDMap2' });
  });
});

describe('semantic index with the transformers provider (tiny BERT fixture)', () => {
  it('builds and searches offline, recording what ran', async () => {
    const modelPath = writeTinyBert(join(mkdtempSync(join(tmpdir(), 'ty-sem-bert-')), 'tiny-bert'));
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-tr-'));
    const info = await buildSemanticIndex(
      { catalog: catalog(), embedding: { provider: 'transformers', modelPath, dtype: 'fp32' }, store: 'vss', index: 'HNSW32,IDMap2', efSearch: 40, dir },
      ctx,
    );
    expect(info.effective).toMatchObject({ provider: 'transformers', model: modelPath, device: 'cpu', dimensions: 32 });
    expect(info.store).toEqual({ kind: 'vss', factory: 'HNSW32,IDMap2', efConstruction: 128, efSearch: 40 });
    const index = openSemanticIndex(dir);
    const { hits, query } = await index.search('the rocket orbit', 3);
    expect(hits).toHaveLength(3);
    // an open vocabulary: every word counts as used
    expect(query).toEqual({ used: ['the', 'rocket', 'orbit'], unknown: [] });
    expect(hits[0]!.item.startsWith('s')).toBe(true);
    await index.close();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('semantic build errors', () => {
  it('rejects a template without catalogue columns, empty ids, bad config, and honours cancellation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-err-'));
    const embedding = { provider: 'builtin' as const };
    await expect(buildSemanticIndex({ catalog: catalog(), template: '{name} {plot}', embedding, dir }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('{title}'),
    });
    const bad = catalog(1);
    bad.rows[1]!.id = ' ';
    await expect(buildSemanticIndex({ catalog: bad, embedding, dir }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('row 2'),
    });
    await expect(buildSemanticIndex({ catalog: catalog(), embedding: { provider: 'nope' as 'builtin' }, dir }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('semantic.provider'),
    });
    const ac = new AbortController();
    const cancelling: TaskContext = { ...silentContext(ac.signal), progress: (u) => u.stage === 'semantic.embed' && ac.abort() };
    await expect(buildSemanticIndex({ catalog: catalog(), embedding, store: 'vec', dir }, cancelling)).rejects.toMatchObject({ kind: 'cancelled' });
  });
});
