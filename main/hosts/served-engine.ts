import type { EngineApi, EngineRequest } from '../common/contracts/api.ts';
import type { Engine } from '../engine/index.ts';

/**
 * The part of the engine a host drives: requests in, events out. A host passes arguments as it
 * received them; the engine validates every argument itself, once, for all hosts.
 */
export interface ServedEngine {
  request<K extends EngineRequest>(name: K, arg: unknown): ReturnType<EngineApi[K]>;
  on: Engine['on'];
}
