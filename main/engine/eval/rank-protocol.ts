import type { EngineErrorData } from '../../common/contracts/errors.ts';
import type { RankerInput } from './ranker.ts';

/** Messages between evaluateInParallel's scoring thread and its ranking thread (workers/rank-worker.ts). */
export type RankWorkerRequest = { type: 'init'; input: RankerInput; slots: Float32Array[] } | { type: 'rank'; slot: number; start: number; end: number };

export type RankWorkerReply = { type: 'ready' } | { type: 'ranked'; slot: number; ms: number } | { type: 'error'; error: EngineErrorData };
