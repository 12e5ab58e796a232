import type { EngineErrorData } from '../../common/contracts/errors.ts';
import type { LogLevel } from '../../common/contracts/jobs.ts';
import type { ProgressUpdate } from '../common/task-context.ts';
import type { EmbeddingConfig } from './factory.ts';
import type { EmbeddingEffective, QueryWords } from './provider.ts';

/** Messages between a WorkerEmbeddingProvider and workers/embed-worker.ts; `id` names one call. */
export type ToEmbedWorker =
  | { type: 'init'; id: number; config: EmbeddingConfig; stateDir: string | null }
  | { type: 'fit'; id: number; texts: string[] }
  | { type: 'embed'; id: number; texts: string[] }
  | { type: 'save'; id: number; dir: string }
  | { type: 'words'; id: number; text: string }
  | { type: 'cancel'; id: number };

export type FromEmbedWorker =
  | { type: 'progress'; id: number; update: ProgressUpdate }
  | { type: 'log'; id: number; level: LogLevel; message: string }
  | { type: 'done'; id: number; vectors: Float32Array | null; words?: QueryWords | null; dimensions: number; effective: EmbeddingEffective }
  | { type: 'failed'; id: number; error: EngineErrorData };
