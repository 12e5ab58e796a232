import type { Engine } from '../engine/index.ts';

/** The part of the engine a host drives: requests in, events out. */
export type ServedEngine = Pick<Engine, 'request' | 'on'>;
