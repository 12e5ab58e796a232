export type * from './api.ts';
export type * from './jobs.ts';
export type * from './runs.ts';
export type { ErrorKind, EngineErrorData } from './errors.ts';
