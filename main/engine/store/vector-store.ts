import type { TaskContext } from '../common/task-context.ts';
import { CONFIG_DEFAULTS, type SemanticIndexOptions } from '../config/schema.ts';

/**
 * Vectors with their items' metadata in one SQLite database, searched by cosine similarity
 * (vectors are L2-normalised, so inner product = cosine). Two backends share this interface:
 * sqlite-vss (Faiss inside SQLite) and sqlite-vec.
 */
export type VectorStoreKind = NonNullable<SemanticIndexOptions['store']>;

/** semantic.store, semantic.index (as factory) and the index tuning of semantic.* (config/schema.ts), and the store's own settings. */
export interface VectorStoreOptions extends Pick<SemanticIndexOptions, 'efConstruction' | 'efSearch' | 'nprobe'> {
  kind: VectorStoreKind;
  /** vss only: Faiss index factory (semantic.index); `IVF<n>,Flat,IDMap2` needs `train` before `addBatch` */
  factory?: string;
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

/** How a store was built, as recorded in the run (semantic.json); shards only when more than one. */
export interface VectorStoreSettings extends Pick<VectorStoreOptions, 'efConstruction' | 'efSearch' | 'nprobe' | 'shards'> {
  kind: VectorStoreKind;
  /** vss: the Faiss index factory; null for vec */
  factory: string | null;
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
export const DEFAULT_VSS_FACTORY = CONFIG_DEFAULTS.semantic.index;
export const DEFAULT_BATCH_ROWS = 500;
export const DEFAULT_EF_CONSTRUCTION = 128;
export const DEFAULT_EF_SEARCH = 64;
/** capped at the index's number of lists */
export const DEFAULT_NPROBE = 16;
export const MAX_SHARDS = 16;
