import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { EngineEvent, EngineEvents } from '../common/contracts/api.ts';
import type { BridgeResult } from '../common/contracts/bridge.ts';
import { toErrorData } from '../common/contracts/errors.ts';
import { ENGINE_EVENTS, ENGINE_REQUESTS } from '../common/contracts/requests.ts';
import { publicError, publicErrorsIn, type RevealPath } from '../hosts/public-error.ts';
import type { ServedEngine } from '../hosts/served-engine.ts';
import { EVENT_CHANNEL, requestChannel } from '../common/channels.ts';
import type { IpcSender } from './security.ts';

export interface EngineIpcOptions {
  engine: ServedEngine;
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** decides whether an IPC event comes from the app's own window */
  isTrusted: (event: IpcSender) => boolean;
  /** delivers an engine event to the renderer */
  send: (channel: string, event: EngineEvent, payload: EngineEvents[EngineEvent]) => void;
  /** paths the window may see in errors (the workspace, files the user chose); others are cut to their file name */
  reveals: RevealPath;
}

/**
 * Registers one IPC handler per request of the contract's request list and forwards every engine
 * event. Results and errors travel as data (BridgeResult), errors without stacks or paths the user
 * cannot see. Returns the function that undoes it all.
 */
export function registerEngineIpc({ engine, ipc, isTrusted, send, reveals }: EngineIpcOptions): () => void {
  for (const name of ENGINE_REQUESTS) {
    ipc.handle(requestChannel(name), async (event: IpcMainInvokeEvent, raw: unknown): Promise<BridgeResult<typeof name>> => {
      if (!isTrusted(event))
        return { ok: false, error: { kind: 'invalid-input', message: `request ${name} refused: it did not come from the Trainyard window` } };
      try {
        return { ok: true, value: publicErrorsIn(await engine.request(name, raw), reveals) } as BridgeResult<typeof name>;
      } catch (err) {
        return { ok: false, error: publicError(toErrorData(err), reveals) };
      }
    });
  }
  const unsubscribes = ENGINE_EVENTS.map((event) => engine.on(event, (payload) => send(EVENT_CHANNEL, event, publicErrorsIn(payload, reveals))));
  return () => {
    for (const off of unsubscribes) off();
    for (const name of ENGINE_REQUESTS) ipc.removeHandler(requestChannel(name));
  };
}
