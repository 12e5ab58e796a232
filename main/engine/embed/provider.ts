import type { TaskContext } from '../common/task-context.ts';

/** What actually ran, recorded in the run manifest. */
export interface EmbeddingEffective {
  provider: string;
  model: string;
  dimensions: number;
  device: string;
  /** the device asked for, when it differs from `device` (it was unavailable and cpu ran instead) */
  requestedDevice?: string;
  /** texts cut at `maxLength` tokens (transformers) */
  truncated: number;
  /** transformers: the token limit applied */
  maxLength?: number;
  /** builtin with GloVe at hand: the blocks concatenated and the LSA block's share of the cosine */
  combination?: { lsaDimensions: number; glove: string; gloveDimensions: number; lsaWeight: number };
}

/** The words of a query a model can use, and those it has never seen (closed vocabularies only). */
export interface QueryWords {
  used: string[];
  unknown: string[];
}

/**
 * A sentence encoder. `fit` is called once with the whole corpus before any `embed` (providers that
 * learn from the catalogue, like builtin LSA, train there; pretrained ones ignore it).
 * Vectors are L2-normalised, row-major, `dimensions` floats per text.
 */
export interface EmbeddingProvider {
  readonly name: string;
  readonly dimensions: number;
  fit?(corpus: readonly string[], ctx: TaskContext): Promise<void>;
  embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array>;
  effective(): EmbeddingEffective;
  /** providers with a closed vocabulary (builtin LSA, GloVe) say which query words they know; absent or null: every word counts */
  queryWords?(text: string): Promise<QueryWords | null>;
  dispose?(): Promise<void>;
}
