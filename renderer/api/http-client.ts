import type { EngineEvent, EngineEvents, EngineRequest, RequestArg } from '../../main/common/contracts/api.ts';
import type { BridgeResult, EventMessage, TrainyardApi, UploadedFile } from '../../main/common/contracts/bridge.ts';
import type { EngineErrorData } from '../../main/common/contracts/errors.ts';
import { ApiError } from './errors.ts';

type AnyListener = (payload: unknown) => void;

export interface HttpClientOptions {
  origin: string;
  token: string;
  /** reconnect delay after the event socket drops, doubled per failure up to 10 s */
  retryMs?: number;
}

/**
 * Browser mode: requests over POST /api/<name> with the token in the Authorization header, files
 * uploaded over POST /api/upload, events over one WebSocket shared by all listeners (the one place
 * the token goes in a query string: a browser cannot set headers on a WebSocket).
 */
export function createHttpClient({ origin, token, retryMs = 250 }: HttpClientOptions): TrainyardApi {
  const listeners = new Map<EngineEvent, Set<AnyListener>>();
  let socket: WebSocket | null = null;
  let delay = retryMs;

  const connect = (): void => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      delay = retryMs;
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      const message = JSON.parse(e.data) as EventMessage;
      for (const l of listeners.get(message.event) ?? []) l(message.payload);
    };
    ws.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      setTimeout(() => {
        if (socket === null && listeners.size > 0) connect();
      }, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };

  const post = async <T>(
    path: string,
    headers: Record<string, string>,
    body: BodyInit,
  ): Promise<{ ok: true; value: T } | { ok: false; error: EngineErrorData }> => {
    let res: Response;
    try {
      res = await fetch(`${origin}/api/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
    } catch (err) {
      return { ok: false, error: { kind: 'internal', message: `cannot reach the Trainyard server at ${origin}: ${(err as Error).message}` } };
    }
    try {
      return (await res.json()) as { ok: true; value: T } | { ok: false; error: EngineErrorData };
    } catch {
      return { ok: false, error: { kind: 'internal', message: `server answered ${res.status} without a JSON body` } };
    }
  };
  const invoke = <K extends EngineRequest>(name: K, arg: RequestArg<K>): Promise<BridgeResult<K>> =>
    post(name, { 'content-type': 'application/json' }, arg === undefined ? '' : JSON.stringify(arg)) as Promise<BridgeResult<K>>;

  return {
    invoke,
    on<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as AnyListener);
      if (socket === null) connect();
      return () => {
        set.delete(listener as AnyListener);
        if (set.size === 0) listeners.delete(event);
      };
    },
    cancel: (jobId) => invoke('jobs.cancel', { jobId }),
    async useFile(file) {
      const result = await post<UploadedFile>('upload', { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) }, file);
      if (!result.ok) throw new ApiError(result.error);
      return result.value.path;
    },
  };
}
