import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readlinkSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { unpackedPath } from '../../main/engine/store/extensions.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { ProgressUpdate, TaskContext } from '../../main/engine/common/task-context.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { withHnswParameters } from '../../main/engine/store/faiss-index-blob.ts';
import { toBlob } from '../../main/engine/store/vector-base.ts';
import { createVectorStore, openVectorStore } from '../../main/engine/store/vector-open.ts';
import { liveShardWorkers, VssShardPool } from '../../main/engine/store/vss-shard-pool.ts';
import { defaultVectorStoreKind } from '../../main/engine/store/vector-store.ts';
import type { VectorRow, VectorStore, VectorStoreOptions } from '../../main/engine/store/vector-store.ts';

const DIMS = 16;
const ctx = silentContext();

function unitVectors(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n * DIMS);
  for (let i = 0; i < n; i++) {
    let len = 0;
    for (let k = 0; k < DIMS; k++) {
      const v = rand() * 2 - 1;
      out[i * DIMS + k] = v;
      len += v * v;
    }
    for (let k = 0; k < DIMS; k++) out[i * DIMS + k]! /= Math.sqrt(len);
  }
  return out;
}

const GENRES = ['Drama', 'Comedy|Drama', 'Sci-Fi', 'Comedy'];

function rowsOf(vectors: Float32Array, prefix = 'i'): VectorRow[] {
  const n = vectors.length / DIMS;
  return Array.from({ length: n }, (_, i) => ({
    item: `${prefix}${i}`,
    vector: vectors.slice(i * DIMS, (i + 1) * DIMS),
    metadata: { id: `${prefix}${i}`, title: `Title ${i}`, genres: GENRES[i % 4]! },
  }));
}

function bruteForce(vectors: Float32Array, query: Float32Array, k: number, keep: (i: number) => boolean = () => true): { item: string; score: number }[] {
  const scored: { item: string; score: number }[] = [];
  for (let i = 0; i < vectors.length / DIMS; i++) {
    if (!keep(i)) continue;
    let s = 0;
    for (let d = 0; d < DIMS; d++) s += vectors[i * DIMS + d]! * query[d]!;
    scored.push({ item: `i${i}`, score: s });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

/** item i's stored vector is its own nearest neighbour, at cosine 1 */
function expectFindsItself(store: VectorStore, vectors: Float32Array, i: number): void {
  const [hit] = store.search(vectors.slice(i * DIMS, (i + 1) * DIMS), 1);
  expect(hit?.item).toBe(`i${i}`);
  expect(hit?.score).toBeCloseTo(1, 5);
}

/** this process's open file descriptors on `path` (Linux) */
function descriptorsOpenOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed since it was listed
    }
  }).length;
}

/** workers report their exit asynchronously */
const noShardWorkers = () => vi.waitFor(() => expect(liveShardWorkers()).toBe(0), { timeout: 15_000 });

const open: VectorStore[] = [];
afterEach(async () => {
  while (open.length) open.pop()!.close();
  await noShardWorkers();
});

function track<T extends VectorStore>(s: T): T {
  open.push(s);
  return s;
}

const STORES: [string, VectorStoreOptions][] = [
  ['vss', { kind: 'vss' }],
  ['vss with 3 shards', { kind: 'vss', shards: 3 }],
  ['vec', { kind: 'vec' }],
];

describe.each(STORES)('%s vector store', (_name, config) => {
  const kind = config.kind;
  const dir = mkdtempSync(join(tmpdir(), `ty-vec-${kind}-`));

  it('stores vectors with metadata and finds the exact nearest neighbours', async () => {
    const vectors = unitVectors(300, 1);
    const store = track(createVectorStore(join(dir, 'a.db'), DIMS, { ...config, batchRows: 64 }));
    const updates: ProgressUpdate[] = [];
    await store.addBatch(rowsOf(vectors), { ...ctx, progress: (u) => updates.push(u) });
    expect(store.count()).toBe(300);
    expect(updates.map((u) => u.current)).toEqual([64, 128, 192, 256, 300]);
    const query = unitVectors(1, 99);
    const hits = store.search(query, 10);
    const expected = bruteForce(vectors, query, 10);
    expect(hits.map((h) => h.item)).toEqual(expected.map((e) => e.item));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
    expect(hits[0]!.metadata).toEqual({
      id: expected[0]!.item,
      title: `Title ${expected[0]!.item.slice(1)}`,
      genres: GENRES[Number(expected[0]!.item.slice(1)) % 4],
    });
    expectFindsItself(store, vectors, 7);
    expect(store.search(query, 1000)).toHaveLength(300);
  });

  it('filters by category (multi-valued, case-insensitive) with exact results', async () => {
    const vectors = unitVectors(200, 2);
    const store = track(createVectorStore(join(dir, 'b.db'), DIMS, config));
    await store.addBatch(rowsOf(vectors), ctx);
    const query = unitVectors(1, 5);
    const hits = store.search(query, 8, { category: 'drama' });
    const expected = bruteForce(vectors, query, 8, (i) => i % 4 === 0 || i % 4 === 1);
    expect(hits.map((h) => h.item)).toEqual(expected.map((e) => e.item));
    expect(hits.every((h) => /Drama/.test(h.metadata.genres!))).toBe(true);
    expect(store.search(query, 5, { category: 'Western' })).toEqual([]);
  });

  it('reopens from the file and rebuilding at the same path leaves no stale rows', async () => {
    const path = join(dir, 'c.db');
    const first = createVectorStore(path, DIMS, config);
    await first.addBatch(rowsOf(unitVectors(50, 3), 'old'), ctx);
    first.close();
    const vectors = unitVectors(20, 4);
    const rebuilt = createVectorStore(path, DIMS, config);
    await rebuilt.addBatch(rowsOf(vectors), ctx);
    rebuilt.close();
    const reopened = track(openVectorStore(path));
    expect(reopened.kind).toBe(kind);
    expect(reopened.dims).toBe(DIMS);
    expect(reopened.count()).toBe(20);
    const query = unitVectors(1, 6);
    expect(reopened.search(query, 100).filter((h) => h.item.startsWith('old'))).toEqual([]);
    expect(reopened.search(query, 3).map((h) => h.item)).toEqual(bruteForce(vectors, query, 3).map((e) => e.item));
    expect(reopened.search(query, 3, { category: 'sci-fi' }).every((h) => h.metadata.genres === 'Sci-Fi')).toBe(true);
  });

  it('rejects bad rows and queries with invalid-input, and an empty index returns nothing', async () => {
    const store = track(createVectorStore(join(dir, 'd.db'), DIMS, config));
    expect(store.search(unitVectors(1, 1), 5)).toEqual([]);
    const rows = rowsOf(unitVectors(3, 1));
    await expect(store.addBatch([...rows, rows[0]!], ctx)).rejects.toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('i0') });
    expect(store.count()).toBe(0);
    await expect(store.addBatch([{ item: 'x', vector: new Float32Array(3), metadata: {} }], ctx)).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(store.addBatch([{ item: 'x', vector: new Float32Array(DIMS).fill(NaN), metadata: {} }], ctx)).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(() => store.search(new Float32Array(4), 5)).toThrow(/dimensions/);
    expect(() => store.search(unitVectors(1, 1), 0)).toThrow(/k must be/);
  });

  it('stops between transactions when cancelled, keeping whole batches only', async () => {
    const store = track(createVectorStore(join(dir, 'e.db'), DIMS, { ...config, batchRows: 10 }));
    const ac = new AbortController();
    const cancelling: TaskContext = { ...silentContext(ac.signal), progress: (u) => u.current >= 30 && ac.abort() };
    const vectors = unitVectors(100, 7);
    await expect(store.addBatch(rowsOf(vectors), cancelling)).rejects.toMatchObject({ kind: 'cancelled' });
    expect(store.count()).toBe(30);
    const query = unitVectors(1, 8);
    expect(store.search(query, 100).map((h) => h.item)).toEqual(bruteForce(vectors, query, 30, (i) => i < 30).map((e) => e.item));
  });

  it('appends a later batch to the same index, also after reopening', async () => {
    const path = join(dir, 'f.db');
    const vectors = unitVectors(120, 10);
    const rows = rowsOf(vectors);
    const first = createVectorStore(path, DIMS, { ...config, batchRows: 25 });
    await first.addBatch(rows.slice(0, 70), ctx);
    first.close();
    const store = track(openVectorStore(path));
    await store.addBatch(rows.slice(70), ctx);
    expect(store.count()).toBe(120);
    const query = unitVectors(1, 11);
    expect(store.search(query, 15).map((h) => h.item)).toEqual(bruteForce(vectors, query, 15).map((e) => e.item));
    expectFindsItself(store, vectors, 100);
  });
});

describe('sharded vss store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-vss-shards-'));

  it('puts row r in shard r % S and finds rows of any shard, also when shards are empty', async () => {
    const path = join(dir, 'layout.db');
    const vectors = unitVectors(40, 21);
    const store = track(createVectorStore(path, DIMS, { kind: 'vss', shards: 3, batchRows: 7 }));
    expect(store.settings).toEqual({ kind: 'vss', factory: 'Flat,IDMap2', shards: 3 });
    await store.addBatch(rowsOf(vectors), ctx);
    const db = new Database(path, { readonly: true });
    const shardOf = ['vss_items', 'vss_items_s1', 'vss_items_s2'].map(
      (t) => db.prepare(`SELECT rowid FROM ${t}_data ORDER BY rowid`).pluck().all() as number[],
    );
    db.close();
    shardOf.forEach((rowids, s) => expect(rowids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((r) => r % 3 === s)));
    for (const i of [0, 1, 2, 39]) expectFindsItself(store, vectors, i);

    // one row: rowid 1 lives in shard 1, shards 0 and 2 are empty (vss0 aborts on an empty search)
    const single = track(createVectorStore(join(dir, 'single.db'), DIMS, { kind: 'vss', shards: 3 }));
    await single.addBatch(rowsOf(vectors.slice(0, DIMS)), ctx);
    expect(single.search(unitVectors(1, 3), 5).map((h) => h.item)).toEqual(['i0']);
    expect(single.search(unitVectors(1, 3), 5, { category: 'drama' }).map((h) => h.item)).toEqual(['i0']);
    expectFindsItself(single, vectors, 0);
  });

  it('sees rows appended after a search (the workers restart), and close() returns once the workers have closed the file', async () => {
    const path = join(dir, 'workers.db');
    const vectors = unitVectors(90, 22);
    const rows = rowsOf(vectors);
    const store = createVectorStore(path, DIMS, { kind: 'vss', shards: 3 });
    await store.addBatch(rows.slice(0, 60), ctx);
    const query = unitVectors(1, 23);
    expect(store.search(query, 5).map((h) => h.item)).toEqual(bruteForce(vectors, query, 5, (i) => i < 60).map((e) => e.item));
    expect(liveShardWorkers()).toBe(2);
    await store.addBatch(rows.slice(60), ctx);
    expect(store.search(query, 5).map((h) => h.item)).toEqual(bruteForce(vectors, query, 5).map((e) => e.item));
    expectFindsItself(store, vectors, 88);
    store.close();
    if (process.platform === 'linux') expect(descriptorsOpenOn(path)).toBe(0);
    await noShardWorkers();
    const reopened = openVectorStore(path);
    expect(reopened.settings.shards).toBe(3);
    expect(reopened.search(query, 5).map((h) => h.item)).toEqual(bruteForce(vectors, query, 5).map((e) => e.item));
    reopened.close();
    await noShardWorkers();
  });

  it('reports a shard whose worker fails or does not answer as an internal error', async () => {
    const path = join(dir, 'fail.db');
    const store = createVectorStore(path, DIMS, { kind: 'vss', shards: 2 });
    await store.addBatch(rowsOf(unitVectors(10, 24)), ctx);
    store.close();
    const pool = new VssShardPool({ path, dims: DIMS, tables: new Map([[1, 'vss_items_s1']]), startTimeoutMs: 1 });
    const ks = new Map([[1, 3]]);
    expect(() => pool.search(toBlob(unitVectors(1, 25)), ks, () => [])).toThrow(
      expect.objectContaining({ kind: 'internal', message: expect.stringMatching(/shard 1: .*did not answer/) }),
    );
    const broken = new VssShardPool({ path, dims: DIMS, tables: new Map([[1, 'no_such_table']]) });
    expect(() => broken.search(toBlob(unitVectors(1, 25)), ks, () => [])).toThrow(
      expect.objectContaining({ kind: 'internal', message: expect.stringMatching(/shard 1 failed: .*no_such_table/) }),
    );
    await noShardWorkers();

    // the store starts new workers after a failure
    const reopened = track(openVectorStore(path));
    renameSync(path, `${path}.away`);
    expect(() => reopened.search(unitVectors(1, 26), 3)).toThrow(
      expect.objectContaining({ kind: 'internal', message: expect.stringContaining('shard 1 failed') }),
    );
    renameSync(`${path}.away`, path);
    expect(reopened.search(unitVectors(1, 26), 3)).toHaveLength(3);
  });

  it('rejects bad shard counts, and shards for other indexes than vss Flat', () => {
    for (const shards of [0, -1, 1.5, 17, Number.NaN]) {
      expect(() => createVectorStore(join(dir, 'bad.db'), DIMS, { kind: 'vss', shards })).toThrow(
        expect.objectContaining({ kind: 'invalid-input', details: { field: 'shards' } }),
      );
    }
    expect(() => createVectorStore(join(dir, 'bad.db'), DIMS, { kind: 'vss', factory: 'HNSW32,IDMap2', shards: 2 })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: { field: 'shards' } }),
    );
    expect(() => createVectorStore(join(dir, 'bad.db'), DIMS, { kind: 'vec', shards: 2 })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', details: { field: 'shards' } }),
    );
    track(createVectorStore(join(dir, 'one.db'), DIMS, { kind: 'vec', shards: 1 }));
  });
});

describe('vss index factories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-vss-'));

  it('builds an HNSW index that finds the exact top hit on easy data', async () => {
    const vectors = unitVectors(500, 8);
    const store = track(createVectorStore(join(dir, 'h.db'), DIMS, { kind: 'vss', factory: 'HNSW32,IDMap2' }));
    await store.addBatch(rowsOf(vectors), ctx);
    for (let i = 0; i < 20; i++) {
      const q = vectors.slice(i * DIMS, (i + 1) * DIMS);
      expect(store.search(q, 1)[0]!.item).toBe(`i${i}`);
    }
  });

  it('writes the configured HNSW efConstruction and efSearch into the Faiss index', async () => {
    const path = join(dir, 'ef.db');
    const store = createVectorStore(path, DIMS, { kind: 'vss', factory: 'HNSW16,IDMap2', efConstruction: 60, efSearch: 30, batchRows: 100 });
    await store.addBatch(rowsOf(unitVectors(300, 12)), ctx);
    store.close();
    const db = new Database(path, { readonly: true });
    const blob = db.prepare('SELECT idx FROM vss_items_index WHERE rowid = 0').pluck().get() as Buffer;
    db.close();
    expect(withHnswParameters(blob, { efConstruction: 60, efSearch: 30 }).equals(blob)).toBe(true);
  });

  it('requires IVF training before adding, and enough training vectors', async () => {
    const vectors = unitVectors(400, 9);
    const store = track(createVectorStore(join(dir, 'ivf.db'), DIMS, { kind: 'vss', factory: 'IVF8,Flat,IDMap2' }));
    expect(store.needsTraining).toBe(true);
    await expect(store.addBatch(rowsOf(vectors), ctx)).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(store.train(vectors.slice(0, 4 * DIMS), ctx)).rejects.toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('at least 8') });
    await store.train(vectors, ctx);
    expect(store.needsTraining).toBe(false);
    await store.addBatch(rowsOf(vectors), ctx);
    const q = vectors.slice(3 * DIMS, 4 * DIMS);
    expect(store.search(q, 1)[0]!.item).toBe('i3');
    // nprobe defaults to every list here (16, capped at 8): the search is exhaustive
    expect(store.settings).toEqual({ kind: 'vss', factory: 'IVF8,Flat,IDMap2', nprobe: 8 });
    const query = unitVectors(1, 21);
    expect(store.search(query, 10).map((h) => h.item)).toEqual(bruteForce(vectors, query, 10).map((e) => e.item));
  });

  it('sets IVF nprobe in the index, and refuses more probes than lists', async () => {
    const vectors = unitVectors(400, 22);
    const store = track(createVectorStore(join(dir, 'ivf-probe.db'), DIMS, { kind: 'vss', factory: 'IVF8,Flat,IDMap2', nprobe: 1 }));
    await store.train(vectors, ctx);
    await store.addBatch(rowsOf(vectors), ctx);
    expect(store.settings).toMatchObject({ nprobe: 1 });
    // one list of eight: most of the true top 10 lie in other lists
    const query = unitVectors(1, 23);
    const truth = new Set(bruteForce(vectors, query, 10).map((e) => e.item));
    expect(store.search(query, 10).filter((h) => truth.has(h.item)).length).toBeLessThan(10);
    expect(() => createVectorStore(join(dir, 'ivf-bad.db'), DIMS, { kind: 'vss', factory: 'IVF8,Flat,IDMap2', nprobe: 9 })).toThrow(
      /nprobe must be an integer from 1 to the index's 8 lists/,
    );
  });

  it('rejects factory strings that are not Faiss factories or lack IDMap2', () => {
    expect(() => createVectorStore(join(dir, 'x.db'), DIMS, { kind: 'vss', factory: 'Flat") ; DROP' })).toThrow(/factory/);
    expect(() => createVectorStore(join(dir, 'y.db'), DIMS, { kind: 'vss', factory: 'HNSW32' })).toThrow(/IDMap2/);
  });
});

describe('extension paths', () => {
  it('defaults to sqlite-vec on Windows, where sqlite-vss has no build', () => {
    expect(defaultVectorStoreKind('win32')).toBe('vec');
    expect(defaultVectorStoreKind('linux')).toBe('vss');
    expect(defaultVectorStoreKind('darwin')).toBe('vss');
  });

  it('redirects paths inside app.asar to app.asar.unpacked', () => {
    expect(unpackedPath('/opt/Trainyard/resources/app.asar/node_modules/sqlite-vec-linux-x64/vec0.so')).toBe(
      '/opt/Trainyard/resources/app.asar.unpacked/node_modules/sqlite-vec-linux-x64/vec0.so',
    );
    expect(unpackedPath('C:\\Trainyard\\resources\\app.asar\\node_modules\\x.dll')).toBe('C:\\Trainyard\\resources\\app.asar.unpacked\\node_modules\\x.dll');
    expect(unpackedPath('/home/me/trainyard/node_modules/x.so')).toBe('/home/me/trainyard/node_modules/x.so');
  });
});
