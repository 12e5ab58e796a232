import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { EngineEvent, EngineEvents, EngineRequest, RequestArg, RequestResult } from '../../main/common/contracts/api.ts';
import type { TrainyardApi } from '../../main/common/contracts/bridge.ts';
import { ApiError } from './errors.ts';

const ApiContext = createContext<TrainyardApi | null>(null);

export function ApiProvider({ api, children }: { api: TrainyardApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): TrainyardApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}

/** Sends a request and resolves to its value, or rejects with an ApiError. */
export async function call<K extends EngineRequest>(api: TrainyardApi, name: K, arg: RequestArg<K>): Promise<RequestResult<K>> {
  const result = await api.invoke(name, arg);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

export function useCall(): <K extends EngineRequest>(name: K, arg: RequestArg<K>) => Promise<RequestResult<K>> {
  const api = useApi();
  return useCallback((name, arg) => call(api, name, arg), [api]);
}

export interface RequestState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `name(arg)` on mount and whenever the argument's value changes; `arg === null` skips the
 * request. While reloading the same argument, the previous data stays visible.
 */
export function useRequest<K extends EngineRequest>(name: K, arg: RequestArg<K> | null): RequestState<RequestResult<K>> {
  const api = useApi();
  const [tick, setTick] = useState(0);
  const [result, setResult] = useState<{ argKey: string; tick: number; data?: RequestResult<K>; error?: unknown } | null>(null);
  // The argument is compared by value so callers may pass fresh object literals on every render.
  const argKey = arg === undefined ? UNDEFINED_ARG : JSON.stringify(arg);

  useEffect(() => {
    if (argKey === 'null') return;
    const current = (argKey === UNDEFINED_ARG ? undefined : JSON.parse(argKey)) as RequestArg<K>;
    let live = true;
    call(api, name, current).then(
      (data) => live && setResult({ argKey, tick, data }),
      (error: unknown) => live && setResult({ argKey, tick, error }),
    );
    return () => {
      live = false;
    };
  }, [api, name, argKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const sameArg = result !== null && result.argKey === argKey;
  const fresh = sameArg && result.tick === tick;
  return {
    data: sameArg ? result.data : undefined,
    error: fresh ? result.error : undefined,
    loading: argKey !== 'null' && !fresh,
    reload,
  };
}

const UNDEFINED_ARG = '\u0000undefined';

export function useEvent<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void): void {
  const api = useApi();
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => api.on(event, (p) => ref.current(p)), [api, event]);
}
