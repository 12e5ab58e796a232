import type { EngineErrorData } from './errors.ts';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export type JobKind = 'data.generate' | 'data.import' | 'train' | 'eval' | 'classify.train';

export interface JobInfo {
  jobId: string;
  kind: JobKind;
  state: JobState;
  /** human label, e.g. "train als,popularity" */
  label: string;
  createdAt: string;
  finishedAt?: string;
  /** set when state is failed or cancelled */
  error?: EngineErrorData;
  /** set when state is succeeded */
  result?: unknown;
}

export interface JobStarted {
  jobId: string;
}

/** Progress of one stage of a job. `metrics` carries per-step figures such as an ALS loss. */
export interface JobProgress {
  jobId: string;
  stage: string;
  current: number;
  total: number;
  unit: string;
  metrics?: Record<string, number>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface JobLog {
  jobId: string;
  level: LogLevel;
  message: string;
  time: string;
}
