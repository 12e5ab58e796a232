import type { EngineEvent, EngineEvents, EngineRequest, RequestArg, RequestResult } from './api.ts';
import type { EngineErrorData } from './errors.ts';

/**
 * The outcome of one request as plain data. Errors travel as data rather than rejections because
 * Electron's IPC and contextBridge keep only an Error's message, losing kind and details.
 */
export type BridgeResult<K extends EngineRequest> = { ok: true; value: RequestResult<K> } | { ok: false; error: EngineErrorData };

/**
 * What the renderer talks to: `window.trainyard` from the preload (Electron IPC) or the browser-mode
 * client (HTTP + WebSocket). Both implement this one type.
 */
export interface TrainyardApi {
  invoke<K extends EngineRequest>(name: K, arg: RequestArg<K>): Promise<BridgeResult<K>>;
  /** Subscribes to an engine event; returns the unsubscribe function. */
  on<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
  cancel(jobId: string): Promise<BridgeResult<'jobs.cancel'>>;
  /** Present only in the desktop app: API keys kept with the OS keychain (Electron safeStorage). */
  secrets?: SecretStore;
  /** Present only in the desktop app: the file-system path of a dropped file. */
  pathForFile?: (file: File) => string;
  /** Present only in the desktop app: the system's open-file dialog; null when cancelled. */
  chooseFile?: (purpose: 'interactions' | 'items' | 'labelled') => Promise<string | null>;
}

export type SecretName = 'openai' | 'gemini';

export interface SecretStore {
  set(name: SecretName, value: string): Promise<void>;
  clear(name: SecretName): Promise<void>;
  /** Which keys are stored; values never come back to the renderer. */
  list(): Promise<SecretName[]>;
}

/** One WebSocket message in browser mode. */
export type EventMessage = { [E in EngineEvent]: { event: E; payload: EngineEvents[E] } }[EngineEvent];
