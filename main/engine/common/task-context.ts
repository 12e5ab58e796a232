import type { LogLevel } from '../../common/contracts/jobs.ts';

export interface ProgressUpdate {
  stage: string;
  current: number;
  total: number;
  unit: string;
  metrics?: Record<string, number>;
}

/**
 * What long-running work receives from whoever runs it (job runner, worker, test):
 * cancellation, progress and logging. Work checks `signal` between batches, epochs and iterations.
 */
export interface TaskContext {
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(level: LogLevel, message: string): void;
}

/** A context that reports nothing: for tests and for direct library use. */
export function silentContext(signal: AbortSignal = new AbortController().signal): TaskContext {
  return { signal, progress: () => {}, log: () => {} };
}

/** The same context reporting progress under another stage name, so a nested training gets a series of its own. */
export function progressAs(ctx: TaskContext, stage: string): TaskContext {
  return { ...ctx, progress: (update) => ctx.progress({ ...update, stage }) };
}
