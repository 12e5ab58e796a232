import type { EngineErrorData } from '../../common/contracts/errors.ts';
import type { LogLevel } from '../../common/contracts/jobs.ts';
import type { ProgressUpdate } from '../common/task-context.ts';

/**
 * Messages between the job runner and its workers. Every message carries a sequence number
 * (per sender, increasing) so the receiver can log and order them; errors travel as data.
 */
export type ToWorker =
  { type: 'start'; seq: number; jobId: string; kind: string; arg: unknown; workspace: string } | { type: 'cancel'; seq: number; jobId: string };

export type FromWorker =
  | { type: 'ready'; seq: number }
  | { type: 'progress'; seq: number; jobId: string; update: ProgressUpdate }
  | { type: 'log'; seq: number; jobId: string; level: LogLevel; message: string }
  | { type: 'done'; seq: number; jobId: string; result: unknown }
  | { type: 'failed'; seq: number; jobId: string; error: EngineErrorData };
