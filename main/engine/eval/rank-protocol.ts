import type { RankerInput } from './ranker.ts';

/** Calls from evaluateInParallel's scoring thread to its ranking thread (workers/rank-worker.ts); a rank answers with its milliseconds. */
export type RankWorkerRequest = { type: 'init'; input: RankerInput; slots: Float32Array[] } | { type: 'rank'; slot: number; start: number; end: number };
