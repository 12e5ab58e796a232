/**
 * Vector store benchmark: insert rate and query latency (p50/p95) for 384-dimensional vectors,
 * exact (sqlite-vss Flat, in one table or split into shards scanned by one thread each; sqlite-vec) and approximate (sqlite-vss HNSW32, with recall@10 against exact),
 * and the process's peak RSS.
 * Two data sets (--data):
 * - text: real short texts (SpamAssassin mail sentences, and pairs of them) embedded by the builtin
 *   LSA provider, fitted on 10,000 of the indexed texts; queries are 200 texts not in the index.
 * - synthetic: unit vectors around 200 random centroids with noise in every dimension; queries are
 *   catalogue vectors with fresh noise. Within a cluster the items are nearly equidistant, so the
 *   true neighbours 2..10 are decided by noise: a worst case for HNSW, kept as a stress test.
 *
 *   node tests/bench/vector.bench.ts [--sizes 10000,100000] [--queries 200] [--dims 384] [--batch-rows 500]
 *                                    [--ef-construction 128] [--ef-search 128] [--stores flat,flat-sharded,vec,hnsw]
 *                                    [--data text,synthetic] [--shards n]
 * flat-sharded uses --shards, default the semantic stage's choice for a large catalogue (exactIndexShards).
 * recall@10 is measured against exact top-10 lists computed by brute force in JavaScript.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gaussianFill } from '../../main/engine/common/random.ts';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { exactIndexShards } from '../../main/engine/recsys/semantic.ts';
import { createVectorStore } from '../../main/engine/store/vector-open.ts';
import { DEFAULT_EF_CONSTRUCTION, DEFAULT_EF_SEARCH } from '../../main/engine/store/vector-store.ts';
import type { VectorRow, VectorStore, VectorStoreOptions } from '../../main/engine/store/vector-store.ts';
import { evenSample, mailSentences } from './mail-texts.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    queries: { type: 'string', default: '200' },
    dims: { type: 'string', default: '384' },
    'batch-rows': { type: 'string', default: '500' },
    'ef-construction': { type: 'string', default: String(DEFAULT_EF_CONSTRUCTION) },
    'ef-search': { type: 'string', default: String(DEFAULT_EF_SEARCH) },
    stores: { type: 'string', default: 'flat,flat-sharded,vec,hnsw' },
    shards: { type: 'string' },
    data: { type: 'string', default: 'text,synthetic' },
  },
});
const batchRows = Number(values['batch-rows']);
const efConstruction = Number(values['ef-construction']);
const efSearch = Number(values['ef-search']);
const shards = values.shards !== undefined ? Number(values.shards) : exactIndexShards(Number.MAX_SAFE_INTEGER);
const stores = new Set(values.stores.split(','));
const sizes = values.sizes.split(',').map(Number);
const nQueries = Number(values.queries);
const dims = Number(values.dims);
const LSA_FIT_TEXTS = 10_000;

function normalisedSum(base: Float64Array | Float32Array, rows: (i: number) => number, n: number, noiseScale: number, seed: number): Float32Array {
  const noise = gaussianFill(new Float64Array(n * dims), seed);
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const c = rows(i);
    let len = 0;
    for (let k = 0; k < dims; k++) {
      const v = base[c * dims + k]! + noiseScale * noise[i * dims + k]!;
      out[i * dims + k] = v;
      len += v * v;
    }
    for (let k = 0; k < dims; k++) out[i * dims + k]! /= Math.sqrt(len);
  }
  return out;
}

function clustered(n: number, seed: number): Float32Array {
  const centroids = gaussianFill(new Float64Array(200 * dims), seed);
  return normalisedSum(centroids, (i) => (i * 7919) % 200, n, 0.6, seed + 1);
}

/** per-coordinate noise 0.03 on unit vectors: the query keeps cosine ≈ 0.85 with its source item */
function queriesNear(vectors: Float32Array, n: number, seed: number): Float32Array {
  const count = vectors.length / dims;
  return normalisedSum(vectors, (i) => (i * 104_729) % count, n, 0.03, seed);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function build(path: string, vectors: Float32Array, options: VectorStoreOptions): Promise<{ store: VectorStore; rate: number }> {
  const n = vectors.length / dims;
  const rows: VectorRow[] = Array.from({ length: n }, (_, i) => ({
    item: `item${i}`,
    vector: vectors.subarray(i * dims, (i + 1) * dims),
    metadata: { title: `Item ${i}` },
  }));
  const store = createVectorStore(path, dims, options);
  const t0 = performance.now();
  await store.addBatch(rows, silentContext());
  return { store, rate: n / ((performance.now() - t0) / 1000) };
}

function queryAll(store: VectorStore, queries: Float32Array): { p50: number; p95: number; results: string[][] } {
  const times: number[] = [];
  const results: string[][] = [];
  for (let q = 0; q < queries.length / dims; q++) {
    const t0 = performance.now();
    const hits = store.search(queries.subarray(q * dims, (q + 1) * dims), 10);
    times.push(performance.now() - t0);
    results.push(hits.map((h) => h.item));
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), results };
}

function exactTop10(vectors: Float32Array, queries: Float32Array): string[][] {
  const n = vectors.length / dims;
  return Array.from({ length: queries.length / dims }, (_, q) => {
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dims; k++) s += vectors[i * dims + k]! * queries[q * dims + k]!;
      scores[i] = s;
    }
    const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
    return order.slice(0, 10).map((i) => `item${i}`);
  });
}

function recallAt10(approx: string[][], exact: string[][]): number {
  let hit = 0;
  approx.forEach((r, q) => {
    const truth = new Set(exact[q]);
    hit += r.filter((i) => truth.has(i)).length;
  });
  return hit / (exact.length * 10);
}

interface DataSet {
  vectors: Float32Array;
  queries: Float32Array;
}

/** vectors of the first maxSize texts (a prefix serves each smaller size) and of queries from the rest */
async function textData(maxSize: number): Promise<DataSet & { note: string }> {
  const texts = mailSentences();
  if (texts.length < maxSize + nQueries) throw new Error(`only ${texts.length} texts: at most ${texts.length - nQueries} vectors`);
  const items = texts.slice(0, maxSize);
  const lsa = new BuiltinLsaProvider({ dimensions: dims, seed: 1 });
  const t0 = performance.now();
  await lsa.fit(evenSample(items, LSA_FIT_TEXTS), silentContext());
  const fitSeconds = (performance.now() - t0) / 1000;
  if (lsa.dimensions !== dims) throw new Error(`LSA gave ${lsa.dimensions} dimensions, not ${dims}`);
  return {
    vectors: await lsa.embed(items, silentContext()),
    queries: await lsa.embed(evenSample(texts.slice(maxSize), nQueries), silentContext()),
    note: `LSA fitted on ${Math.min(LSA_FIT_TEXTS, maxSize)} texts in ${fitSeconds.toFixed(0)} s`,
  };
}

function syntheticData(n: number): DataSet {
  const vectors = clustered(n, 1);
  return { vectors, queries: queriesNear(vectors, nQueries, 99) };
}

const dir = mkdtempSync(join(tmpdir(), 'ty-vector-bench-'));
const fmt = (x: number) => x.toFixed(2);
console.log(
  `vector bench: ${dims} dims, ${nQueries} queries, k=10, ${batchRows} rows per transaction, HNSW efConstruction ${efConstruction} efSearch ${efSearch}; node ${process.version}, ${process.platform}-${process.arch}`,
);
for (const dataName of values.data.split(',')) {
  const text = dataName === 'text' ? await textData(Math.max(...sizes)) : null;
  if (text) console.log(`text data: ${text.note}`);
  for (const n of sizes) {
    const { vectors, queries } = text ? { vectors: text.vectors.subarray(0, n * dims), queries: text.queries } : syntheticData(n);
    const configs = (
      [
        ['flat', 'vss Flat (exact)', { kind: 'vss', factory: 'Flat,IDMap2', batchRows }],
        ['flat-sharded', `vss Flat ×${shards} shards (exact)`, { kind: 'vss', factory: 'Flat,IDMap2', batchRows, shards }],
        ['vec', 'vec (exact)', { kind: 'vec', batchRows }],
        ['hnsw', 'vss HNSW32', { kind: 'vss', factory: 'HNSW32,IDMap2', batchRows, efConstruction, efSearch }],
      ] satisfies [string, string, VectorStoreOptions][]
    ).filter(([key]) => stores.has(key));
    const exact = exactTop10(vectors, queries);
    for (const [, name, options] of configs) {
      const path = join(dir, `${n}-${name.replace(/\W+/g, '_')}.db`);
      const { store, rate } = await build(path, vectors, options);
      const q = queryAll(store, queries);
      const recall = `  recall@10 ${recallAt10(q.results, exact).toFixed(3)}`;
      console.log(
        `${dataName.padEnd(9)} ${String(n).padStart(7)} ${name.padEnd(28)} insert ${Math.round(rate).toString().padStart(6)} vectors/s   query p50 ${fmt(q.p50)} ms  p95 ${fmt(q.p95)} ms${recall}`,
      );
      store.close();
      rmSync(path, { force: true });
    }
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
