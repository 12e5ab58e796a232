import type { EngineEvent, EngineEvents, EngineRequest, RequestArg } from '../../main/engine/contracts/api.ts';
import type { BridgeResult, EventMessage, TrainyardApi } from '../../main/engine/contracts/bridge.ts';

type AnyListener = (payload: unknown) => void;

export interface HttpClientOptions {
  origin: string;
  token: string;
  /** reconnect delay after the event socket drops, doubled per failure up to 10 s */
  retryMs?: number;
}

/** Browser mode: requests over POST /api/<name>, events over one WebSocket shared by all listeners. */
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

  const invoke = async <K extends EngineRequest>(name: K, arg: RequestArg<K>): Promise<BridgeResult<K>> => {
    let res: Response;
    try {
      res = await fetch(`${origin}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: arg === undefined ? '' : JSON.stringify(arg),
      });
    } catch (err) {
      return { ok: false, error: { kind: 'internal', message: `cannot reach the Trainyard server at ${origin}: ${(err as Error).message}` } };
    }
    try {
      return (await res.json()) as BridgeResult<K>;
    } catch {
      return { ok: false, error: { kind: 'internal', message: `server answered ${res.status} without a JSON body` } };
    }
  };

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
  };
}
