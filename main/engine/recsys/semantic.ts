import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import { CONFIG_DEFAULTS, type SemanticIndexOptions } from '../config/schema.ts';
import type { ItemCatalog } from '../data/types.ts';
import type { TrainEvents } from '../eval/split.ts';
import { silentContext } from '../common/task-context.ts';
import type { TaskContext } from '../common/task-context.ts';
import { createEmbeddingProvider, parseEmbeddingConfig, restoreEmbeddingProvider, saveEmbeddingState } from '../embed/factory.ts';
import type { EmbeddingConfig } from '../embed/factory.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from '../embed/provider.ts';
import { wordTokens } from '../embed/tokenize.ts';
import { WorkerEmbeddingProvider } from '../embed/worker-provider.ts';
import { loadFloat32, loadIds, saveIds, saveNpy } from '../common/arrays.ts';
import { createVectorStore, openVectorStore } from '../store/vector-open.ts';
import { DEFAULT_VSS_FACTORY, defaultVectorStoreKind } from '../store/vector-store.ts';
import type { SearchFilter, VectorHit, VectorStore, VectorStoreKind, VectorStoreSettings } from '../store/vector-store.ts';
import { createAlsScorer } from './als/als-score.ts';
import type { Scorer } from './scorer.ts';

const INDEX_FILE = 'index.db';
const INFO_FILE = 'semantic.json';
/** the item vectors again, in catalogue order, for scoring: one read instead of a store lookup per item */
const VECTORS_FILE = 'item-vectors.npy';
const IDS_FILE = 'item-ids.txt';
/** texts per embed call: the unit of progress and cancellation */
const EMBED_CHUNK = 512;

/** The index options of semantic.* (config/schema.ts) and what the build needs besides. */
export interface SemanticBuildOptions extends SemanticIndexOptions {
  catalog: ItemCatalog;
  embedding: EmbeddingConfig;
  batchRows?: number;
  /** run the provider in its own worker thread (keeps model inference off this thread) */
  embedInWorker?: boolean;
  /** the stage artifact folder: index.db, semantic.json and the provider state go here */
  dir: string;
}

interface StoreFallback {
  kind: VectorStoreKind;
  reason: string;
}

/** semantic.json: how the index was built, without secrets. */
export interface SemanticIndexInfo {
  items: number;
  dimensions: number;
  template: string;
  idColumn: string;
  embedding: EmbeddingConfig;
  effective: EmbeddingEffective;
  /** fallbackFrom: the default store (vss) could not be loaded, so vec was used; why */
  store: VectorStoreSettings & { fallbackFrom?: StoreFallback };
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

/** Renders `{column}` placeholders against a row (exact name first, then case-insensitive), whitespace collapsed. */
export function renderTemplate(template: string, row: Record<string, string>): string {
  const lower = new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
  return template
    .replace(PLACEHOLDER, (_, name: string) => {
      const key = name.trim();
      return row[key] ?? row[lower.get(key.toLowerCase()) ?? ''] ?? '';
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function checkTemplate(template: string, columns: readonly string[]): void {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!.trim());
  const known = new Set(columns.map((c) => c.toLowerCase()));
  if (!names.some((n) => known.has(n.toLowerCase()))) {
    throw new EngineError(
      'invalid-input',
      `semantic.template "${template}" names none of the catalogue columns (${columns.join(', ')}): use {column} placeholders, e.g. "{${columns.find((c) => /title|name/i.test(c)) ?? columns[0] ?? 'title'}}"`,
      {
        field: 'template',
      },
    );
  }
}

/**
 * The semantic stage: one text per catalogue item from the template, embedded by the configured
 * provider (fitted on the catalogue first when it learns, like builtin LSA), stored with every
 * catalogue column as metadata in a new `index.db` in `dir`.
 */
export async function buildSemanticIndex(options: SemanticBuildOptions, ctx: TaskContext): Promise<SemanticIndexInfo> {
  const { catalog, dir } = options;
  const template = options.template ?? CONFIG_DEFAULTS.semantic.template;
  checkTemplate(template, catalog.columns);
  if (catalog.rows.length === 0) throw new EngineError('invalid-input', 'the catalogue has no items to index');
  const items = catalog.rows.map((row, i) => {
    const id = row[catalog.idColumn]?.trim();
    if (!id)
      throw new EngineError('invalid-input', `catalogue row ${i + 1}: the id column "${catalog.idColumn}" is empty`, { line: i + 1, field: catalog.idColumn });
    return id;
  });
  const texts = catalog.rows.map((row) => renderTemplate(template, row));
  const embedding = parseEmbeddingConfig(options.embedding);
  const provider = options.embedInWorker ? await WorkerEmbeddingProvider.start(embedding, null, ctx) : await createEmbeddingProvider(embedding, ctx);
  let store: VectorStore | null = null;
  try {
    if (provider.fit) await provider.fit(texts, ctx);
    const vectors = await embedAll(provider, texts, ctx);
    const dims = provider.dimensions;
    mkdirSync(dir, { recursive: true });
    const opened = createIndexStore(join(dir, INDEX_FILE), dims, options, ctx);
    store = opened.store;
    if (store.needsTraining) await store.train(vectors, ctx);
    const rows = items.map((item, i) => ({ item, vector: vectors.subarray(i * dims, (i + 1) * dims), metadata: catalog.rows[i]! }));
    await store.addBatch(rows, ctx);
    saveNpy(join(dir, VECTORS_FILE), vectors, [items.length, dims]);
    saveIds(join(dir, IDS_FILE), items);
    await saveEmbeddingState(provider, dir);
    const info: SemanticIndexInfo = {
      items: items.length,
      dimensions: dims,
      template,
      idColumn: catalog.idColumn,
      embedding,
      effective: provider.effective(),
      store: { ...store.settings, ...(opened.fallbackFrom ? { fallbackFrom: opened.fallbackFrom } : {}) },
    };
    writeFileSync(join(dir, INFO_FILE), JSON.stringify(info, null, 2));
    return info;
  } finally {
    store?.close();
    await provider.dispose?.();
  }
}

/** Shards of an exact vss index: one thread per shard scans its vectors, worth it once a scan takes milliseconds. */
export function exactIndexShards(items: number): number {
  return items >= 50_000 ? Math.min(availableParallelism(), 4) : 1;
}

/**
 * The configured store, or else the platform default; when that default is sqlite-vss and it cannot
 * be loaded (missing libgomp/libblas/liblapack, say), sqlite-vec, with the reason recorded.
 */
function createIndexStore(path: string, dims: number, options: SemanticBuildOptions, ctx: TaskContext): { store: VectorStore; fallbackFrom?: StoreFallback } {
  const kind = options.store ?? defaultVectorStoreKind();
  const factory = options.index ?? DEFAULT_VSS_FACTORY;
  const shards = kind === 'vss' && factory === DEFAULT_VSS_FACTORY ? exactIndexShards(options.catalog.rows.length) : undefined;
  const storeOptions = {
    factory: options.index,
    efConstruction: options.efConstruction,
    efSearch: options.efSearch,
    nprobe: options.nprobe,
    batchRows: options.batchRows,
    shards,
  };
  try {
    return { store: createVectorStore(path, dims, { kind, ...storeOptions }) };
  } catch (err) {
    if (options.store || kind !== 'vss' || !(err instanceof EngineError) || err.details?.extension !== 'vss') throw err;
    ctx.log('warn', `${err.message}; indexing with sqlite-vec instead (set semantic.store to choose)`);
    return { store: createVectorStore(path, dims, { kind: 'vec', batchRows: options.batchRows }), fallbackFrom: { kind: 'vss', reason: err.message } };
  }
}

async function embedAll(provider: EmbeddingProvider, texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += EMBED_CHUNK) {
    throwIfCancelled(ctx.signal);
    parts.push(await provider.embed(texts.slice(start, start + EMBED_CHUNK), ctx));
    ctx.progress({ stage: 'semantic.embed', current: Math.min(texts.length, start + EMBED_CHUNK), total: texts.length, unit: 'items' });
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function readSemanticInfo(dir: string): SemanticIndexInfo {
  try {
    return JSON.parse(readFileSync(join(dir, INFO_FILE), 'utf8')) as SemanticIndexInfo;
  } catch {
    throw new EngineError('not-found', `${dir}: no semantic index here (semantic.json missing); train the semantic stage first`);
  }
}

/** A search's hits and the query words the model used; no hits when the model knows none of them. */
export interface SearchAnswer {
  hits: VectorHit[];
  query: QueryWords;
}

export interface SemanticIndex {
  readonly info: SemanticIndexInfo;
  /** text → top-k items by cosine similarity, with every catalogue column */
  search(query: string, k: number, filter?: SearchFilter): Promise<SearchAnswer>;
  /** items most similar in content to `item` (itself excluded) */
  similar(item: string, k: number, filter?: SearchFilter): VectorHit[];
  vectorOf(item: string): Float32Array | null;
  close(): Promise<void>;
}

/**
 * Opens a built index. The embedding provider (needed only to embed query text) is restored on
 * the first `search`, so similar/vectorOf/scoring work without a model download or an API key.
 */
export function openSemanticIndex(dir: string, ctx: TaskContext = silentContext(), options: { embedInWorker?: boolean } = {}): SemanticIndex {
  const info = readSemanticInfo(dir);
  const store = openVectorStore(join(dir, INDEX_FILE));
  let provider: Promise<EmbeddingProvider> | null = null;
  let saved: { rows: Map<string, number>; vectors: Float32Array } | null = null;
  const vectorOf = (item: string): Float32Array | null => {
    saved ??= loadItemVectors(dir, info.dimensions);
    const row = saved.rows.get(item);
    return row === undefined ? null : saved.vectors.subarray(row * info.dimensions, (row + 1) * info.dimensions);
  };
  const start = (): Promise<EmbeddingProvider> =>
    (options.embedInWorker ? WorkerEmbeddingProvider.start(info.embedding, dir, ctx) : restoreEmbeddingProvider(info.embedding, dir, ctx)).catch(
      (err: unknown) => {
        provider = null; // a failed load (missing model, no key) is retried by the next search
        throw err;
      },
    );
  // A worker that died is replaced by the next search, instead of failing every search after it.
  const embedder = async (): Promise<EmbeddingProvider> => {
    const current = (provider ??= start());
    const p = await current;
    if (!(p instanceof WorkerEmbeddingProvider && p.crashed)) return p;
    if (provider === current) provider = start();
    return provider!;
  };
  const searchVector = async (model: EmbeddingProvider, query: string, k: number, filter?: SearchFilter): Promise<VectorHit[]> => {
    const [vector] = splitRows(await model.embed([query], ctx), info.dimensions);
    return store.search(vector!, k, filter);
  };
  return {
    info,
    async search(query, k, filter) {
      if (!query.trim()) throw new EngineError('invalid-input', 'the search query is empty', { field: 'query' });
      const model = await embedder();
      const words = await model.queryWords?.(query);
      // an open vocabulary (transformers, cloud) uses every word; a closed one with none of them has no answer
      if (!words) return { hits: await searchVector(model, query, k, filter), query: { used: [...new Set(wordTokens(query))], unknown: [] } };
      return { hits: words.used.length === 0 ? [] : await searchVector(model, query, k, filter), query: words };
    },
    similar(item, k, filter) {
      const vector = vectorOf(item);
      if (!vector) throw new EngineError('not-found', `item "${item}" is not in the semantic index`, { item });
      return store
        .search(vector, k + 1, filter)
        .filter((h) => h.item !== item)
        .slice(0, k);
    },
    vectorOf,
    async close() {
      store.close();
      if (provider) await (await provider).dispose?.();
    },
  };
}

function loadItemVectors(dir: string, d: number): { rows: Map<string, number>; vectors: Float32Array } {
  if (!existsSync(join(dir, VECTORS_FILE)))
    throw new EngineError('not-found', `${dir}: no ${VECTORS_FILE} (built by an older version); rebuild the semantic stage`);
  const ids = loadIds(join(dir, IDS_FILE));
  const { data, shape } = loadFloat32(join(dir, VECTORS_FILE));
  if (shape[0] !== ids.length || shape[1] !== d) {
    throw new EngineError(
      'invalid-input',
      `${dir}: ${VECTORS_FILE} (${shape.join('x')}) does not match ${ids.length} items of ${d} dimensions; rebuild the semantic stage`,
    );
  }
  return { rows: new Map(ids.map((id, i) => [id, i])), vectors: data };
}

function splitRows(v: Float32Array, d: number): Float32Array[] {
  return Array.from({ length: v.length / d }, (_, i) => v.subarray(i * d, (i + 1) * d));
}

/** Item vectors in the caller's item order (nItems × d); items absent from the index are flagged and left zero. */
export function itemVectorsInOrder(
  index: Pick<SemanticIndex, 'vectorOf' | 'info'>,
  itemIds: readonly string[],
): { vectors: Float32Array; present: Uint8Array } {
  const d = index.info.dimensions;
  const vectors = new Float32Array(itemIds.length * d);
  const present = new Uint8Array(itemIds.length);
  itemIds.forEach((id, i) => {
    const v = index.vectorOf(id);
    if (!v) return;
    vectors.set(v, i * d);
    present[i] = 1;
  });
  return { vectors, present };
}

export interface ProfileOptions {
  /** halves an event's weight for every this many days it lies before the user's last event; off when absent */
  recencyHalfLifeDays?: number;
}

/**
 * User profiles: the weighted mean of the user's history embeddings, weight = interaction value
 * (the rating, or 1 for implicit events) times an optional recency decay, L2-normalised.
 */
export function buildUserProfiles(events: TrainEvents, nUsers: number, itemVectors: Float32Array, d: number, options: ProfileOptions = {}): Float32Array {
  const halfLife = options.recencyHalfLifeDays;
  if (halfLife !== undefined && !(halfLife > 0))
    throw new EngineError('invalid-input', `recencyHalfLifeDays must be positive, got ${halfLife}`, { field: 'recencyHalfLifeDays' });
  const last = new Float64Array(nUsers).fill(-Infinity);
  if (halfLife) for (let e = 0; e < events.user.length; e++) last[events.user[e]!] = Math.max(last[events.user[e]!]!, events.ts[e]!);
  const profiles = new Float64Array(nUsers * d);
  for (let e = 0; e < events.user.length; e++) {
    const u = events.user[e]!;
    let w = events.rating ? events.rating[e]! : 1;
    if (halfLife) w *= 0.5 ** ((last[u]! - events.ts[e]!) / (halfLife * 86_400));
    const io = events.item[e]! * d;
    const uo = u * d;
    for (let k = 0; k < d; k++) profiles[uo + k]! += w * itemVectors[io + k]!;
  }
  const out = new Float32Array(nUsers * d);
  for (let u = 0; u < nUsers; u++) {
    let len = 0;
    for (let k = 0; k < d; k++) len += profiles[u * d + k]! ** 2;
    if (len === 0) continue;
    const inv = 1 / Math.sqrt(len);
    for (let k = 0; k < d; k++) out[u * d + k] = profiles[u * d + k]! * inv;
  }
  return out;
}

/**
 * Content scorer: cosine between the user profile and each item vector, by the ALS scoring kernel
 * (WASM SIMD; profiles in the place of user factors, item vectors of item factors). Items without
 * a vector (not in the index) get -Infinity; users without history score 0 everywhere.
 */
export function createSemanticScorer(profiles: Float32Array, itemVectors: Float32Array, present: Uint8Array, d: number): Scorer {
  const nItems = present.length;
  const nUsers = profiles.length / d;
  const dot = createAlsScorer({ nUsers, nItems, factors: d, userFactors: profiles, itemFactors: itemVectors });
  const absent: number[] = [];
  present.forEach((has, i) => {
    if (!has) absent.push(i);
  });
  return {
    nItems,
    scoreUsers(users, out) {
      if (out.length < users.length * nItems)
        throw new EngineError('invalid-input', `semantic scoreUsers: out holds ${out.length} floats, needs ${users.length} users x ${nItems} items`);
      for (const u of users) {
        if (!Number.isInteger(u) || u < 0 || u >= nUsers)
          throw new EngineError('invalid-input', `semantic scoreUsers: user index ${u} is outside 0..${nUsers - 1}`);
      }
      dot.scoreUsers(users, out);
      for (let b = 0; b < users.length; b++) for (const i of absent) out[b * nItems + i] = -Infinity;
    },
  };
}

/** The `semantic` recommender for a split: profiles from the training events over the index's vectors. */
export function semanticScorerFromIndex(dir: string, itemIds: readonly string[], events: TrainEvents, nUsers: number, options: ProfileOptions = {}): Scorer {
  const index = openSemanticIndex(dir);
  try {
    const { vectors, present } = itemVectorsInOrder(index, itemIds);
    const d = index.info.dimensions;
    return createSemanticScorer(buildUserProfiles(events, nUsers, vectors, d, options), vectors, present, d);
  } finally {
    void index.close();
  }
}
