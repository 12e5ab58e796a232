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
  /**
   * A file the user picked (file input) or dropped, made readable by the engine: the desktop app
   * grants the file's own path for this session, browser mode uploads it into the workspace.
   * Resolves to the path to pass in requests.
   */
  useFile(file: File): Promise<string>;
  /** Present only in the desktop app: the system's open-file dialog (the chosen file is granted); null when cancelled. */
  chooseFile?: (purpose: 'interactions' | 'items' | 'labelled' | 'config') => Promise<string | null>;
}

/** A file browser mode stored under `<workspace>/uploads/`. */
export interface UploadedFile {
  path: string;
  /** the file name as stored (the browser's name, sanitised) */
  name: string;
  bytes: number;
}

/** API keys of the cloud embedding providers, and the password of the PostgreSQL import source. */
export type SecretName = 'openai' | 'gemini' | 'postgres';

export interface SecretStore {
  set(name: SecretName, value: string): Promise<void>;
  clear(name: SecretName): Promise<void>;
  /** Which keys are stored; values never come back to the renderer. */
  list(): Promise<SecretName[]>;
  /** How stored keys are protected, and any problem reading the key file. */
  status(): Promise<SecretStatus>;
}

/**
 * `keychain`: encrypted with a key the OS keychain holds; `basic-text`: Electron could only use a
 * fixed password (Linux without a keyring), so keys are not stored; `unavailable`: no encryption.
 */
export interface SecretStatus {
  protection: 'keychain' | 'basic-text' | 'unavailable';
  /** Linux: the backend Electron picked (gnome_libsecret, kwallet5, basic_text, …) */
  backend?: string;
  /** the key file could not be read (it was set aside) or a key could not be decrypted */
  problem?: string;
}

/** One WebSocket message in browser mode. */
export type EventMessage = { [E in EngineEvent]: { event: E; payload: EngineEvents[E] } }[EngineEvent];
