import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EngineEvent, EngineEvents, EngineRequest, RequestArg } from '../main/common/contracts/api.ts';
import type { BridgeResult, SecretName, SecretStatus, TrainyardApi } from '../main/common/contracts/bridge.ts';
import { CHOOSE_FILE_CHANNEL, EVENT_CHANNEL, GRANT_FILE_CHANNEL, SECRET_CHANNELS, requestChannel } from '../main/common/channels.ts';

/**
 * window.trainyard over Electron IPC. Only these functions cross the context bridge: the page never
 * sees ipcRenderer, and every request name maps to the one channel the main process registered for it.
 */
const api = {
  invoke<K extends EngineRequest>(name: K, arg: RequestArg<K>): Promise<BridgeResult<K>> {
    return ipcRenderer.invoke(requestChannel(name), arg) as Promise<BridgeResult<K>>;
  },
  on<E extends EngineEvent>(event: E, listener: (payload: EngineEvents[E]) => void): () => void {
    const handler = (_e: IpcRendererEvent, name: EngineEvent, payload: unknown): void => {
      if (name === event) listener(payload as EngineEvents[E]);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  cancel(jobId: string): Promise<BridgeResult<'jobs.cancel'>> {
    return ipcRenderer.invoke(requestChannel('jobs.cancel'), { jobId }) as Promise<BridgeResult<'jobs.cancel'>>;
  },
  secrets: {
    set: (name: SecretName, value: string) => ipcRenderer.invoke(SECRET_CHANNELS.set, name, value) as Promise<void>,
    clear: (name: SecretName) => ipcRenderer.invoke(SECRET_CHANNELS.clear, name) as Promise<void>,
    list: () => ipcRenderer.invoke(SECRET_CHANNELS.list) as Promise<SecretName[]>,
    status: () => ipcRenderer.invoke(SECRET_CHANNELS.status) as Promise<SecretStatus>,
  },
  // Only a File the user dropped or picked has a path; the page cannot name one itself.
  async useFile(file: File) {
    const path = webUtils.getPathForFile(file);
    if (!path) throw new Error(`${file.name} has no path on disk: drop or choose a file from your computer`);
    return ipcRenderer.invoke(GRANT_FILE_CHANNEL, path) as Promise<string>;
  },
  chooseFile: (purpose: 'interactions' | 'items' | 'labelled' | 'config') => ipcRenderer.invoke(CHOOSE_FILE_CHANNEL, purpose) as Promise<string | null>,
} satisfies TrainyardApi;

contextBridge.exposeInMainWorld('trainyard', api);
