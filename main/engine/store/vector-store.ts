import type { TaskContext } from '../common/task-context.ts';

/**
 * Vectors with their items' metadata in one SQLite database, searched by cosine similarity
 * (vectors are L2-normalised, so inner product = cosine). Two backends share this interface:
 * sqlite-vss (Faiss inside SQLite) and sqlite-vec.
 */
export type VectorStoreKind = 'vss' | 'vec';

export interface VectorStoreOptions {
  kind: VectorStoreKind;
  /**
   * vss only: Faiss index factory. `Flat,IDMap2` (exact, default); `HNSW32,IDMap2` for large
   * catalogues (approximate, no training); `IVF<n>,Flat,IDMap2` needs `train` before `addBatch`.
   */
  factory?: string;
  /**
   * vss HNSW only: candidate list size while building the graph (Faiss's default is 40). Larger
   * builds slower and finds more of the true neighbours.
   */
  efConstruction?: number;
  /** vss HNSW only: candidate list size per query (Faiss's default is 16; Faiss uses at least k) */
  efSearch?: number;
  /** vss IVF only: inverted lists visited per query, at most the index's lists (Faiss's default is 1) */
  nprobe?: number;
  /**
   * vss Flat,IDMap2 only: splits the index into this many vss0 tables (1..16, default 1) that are
   * scanned at the same time, one thread each (worker threads for shards ≥ 1)
   */
  shards?: number;
  /** rows per transaction (each sqlite-vss commit rewrites the Faiss index) */
  batchRows?: number;
  /** metadata columns whose values (split on | ; ,) are the item's categories for filtered search */
  categoryColumns?: string[];
}

export interface VectorRow {
  item: string;
  vector: Float32Array;
  metadata: Record<string, string>;
}

export interface VectorHit {
  item: string;
  /** cosine similarity */
  score: number;
  metadata: Record<string, string>;
}

export interface SearchFilter {
  /** keep items in this category (case-insensitive) */
  category?: string;
}

/** How a store was built, as recorded in the run (semantic.json). */
export interface VectorStoreSettings {
  kind: VectorStoreKind;
  /** vss: the Faiss index factory; null for vec */
  factory: string | null;
  /** vss HNSW only */
  efConstruction?: number;
  efSearch?: number;
  /** vss IVF only */
  nprobe?: number;
  /** vss Flat only, when the index is split into more than one shard */
  shards?: number;
}

export interface VectorStore {
  readonly kind: VectorStoreKind;
  readonly settings: VectorStoreSettings;
  readonly dims: number;
  readonly path: string;
  /** true for an IVF index that has not been trained yet */
  readonly needsTraining: boolean;
  /** IVF only: learns the coarse quantiser from `vectors` (n × dims, row-major) */
  train(vectors: Float32Array, ctx: TaskContext): Promise<void>;
  /** appends rows in transactions of `batchRows`, reporting progress and honouring cancellation between them */
  addBatch(rows: readonly VectorRow[], ctx: TaskContext): Promise<void>;
  search(vector: Float32Array, k: number, filter?: SearchFilter): VectorHit[];
  count(): number;
  close(): void;
}

/** sqlite-vss has no Windows build: there the default is sqlite-vec. */
export function defaultVectorStoreKind(platform: NodeJS.Platform = process.platform): VectorStoreKind {
  return platform === 'win32' ? 'vec' : 'vss';
}

export const DEFAULT_CATEGORY_COLUMNS = ['category', 'categories', 'genre', 'genres'];
export const DEFAULT_VSS_FACTORY = 'Flat,IDMap2';
export const DEFAULT_BATCH_ROWS = 500;
export const DEFAULT_EF_CONSTRUCTION = 128;
export const DEFAULT_EF_SEARCH = 64;
/** capped at the index's number of lists */
export const DEFAULT_NPROBE = 16;
export const MAX_SHARDS = 16;
