import type { EngineApi, EngineEvents, RequestArg, RequestResult } from '../../main/common/contracts/api.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { parseRequestArg } from '../../main/engine/request-args.ts';

type Handlers = { [K in keyof EngineApi]?: (arg: RequestArg<K>) => RequestResult<K> | Promise<RequestResult<K>> };
type Listener = (payload: never) => void;

/**
 * An in-memory engine with the `Engine` signatures: validates each argument as the engine does,
 * answers from the handlers it is given, records every valid request, and emits events on demand. For host and renderer tests that must not train anything.
 */
export class FakeEngine {
  readonly calls: { name: keyof EngineApi; arg: unknown }[] = [];
  private readonly handlers: Handlers;
  private readonly listeners = new Map<keyof EngineEvents, Set<Listener>>();

  constructor(handlers: Handlers) {
    this.handlers = handlers;
  }

  request<K extends keyof EngineApi>(name: K, raw: unknown): ReturnType<EngineApi[K]> {
    const handler = this.handlers[name] as ((a: unknown) => unknown) | undefined;
    const run = async (): Promise<unknown> => {
      const arg = parseRequestArg(name, raw);
      this.calls.push({ name, arg });
      if (!handler) throw new EngineError('not-found', `fake engine has no handler for ${name}`);
      return handler(arg);
    };
    return run() as ReturnType<EngineApi[K]>;
  }

  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  emit<E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (p: EngineEvents[E]) => void)(payload);
  }

  listenerCount(event: keyof EngineEvents): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
