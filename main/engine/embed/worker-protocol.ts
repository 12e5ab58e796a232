import type { EmbeddingConfig } from './factory.ts';
import type { EmbeddingEffective, QueryWords } from './provider.ts';

/** Calls from a WorkerEmbeddingProvider to workers/embed-worker.ts (carried by common/worker-rpc.ts). */
export type EmbedCall =
  | { type: 'init'; config: EmbeddingConfig; stateDir: string | null }
  | { type: 'fit'; texts: string[] }
  | { type: 'embed'; texts: string[] }
  | { type: 'save'; dir: string }
  | { type: 'words'; text: string };

/** Every answer carries the provider's dimensions and effective settings as they are after the call. */
export interface EmbedAnswer {
  vectors: Float32Array | null;
  words?: QueryWords | null;
  dimensions: number;
  effective: EmbeddingEffective;
}
