import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { IpcMain, IpcMainInvokeEvent, OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import { EngineError } from '../common/contracts/errors.ts';
import { CHOOSE_FILE_CHANNEL, GRANT_FILE_CHANNEL } from '../common/channels.ts';
import type { IpcSender } from './security.ts';

/** The files the user chose this session (open dialog, drag and drop): the engine may read them, and errors may name them. */
export interface FileGrants {
  grant(path: string): string;
  has(path: string): boolean;
}

export function createFileGrants(): FileGrants {
  const granted = new Set<string>();
  return {
    grant(path) {
      const abs = resolve(path);
      granted.add(abs);
      return abs;
    },
    has: (path) => granted.has(resolve(path)),
  };
}

export const FILE_FILTERS = {
  interactions: [{ name: 'Interaction logs', extensions: ['csv', 'tsv', 'txt', 'jsonl', 'json', 'parquet', 'data', 'dat'] }],
  items: [{ name: 'Item catalogs', extensions: ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'item', 'dat'] }],
  labelled: [{ name: 'Labelled texts', extensions: ['csv', 'tsv', 'jsonl', 'json'] }],
  config: [{ name: 'Pipeline configs', extensions: ['yaml', 'yml'] }],
};

export interface FileIpcOptions {
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>;
  isTrusted: (event: IpcSender) => boolean;
  grants: FileGrants;
  /** the system's open dialog over the app window; null when there is no window */
  showOpenDialog: (options: OpenDialogOptions) => Promise<OpenDialogReturnValue> | null;
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The two ways a file becomes readable in the desktop app: the open dialog, and a drop or file input
 * whose path the preload read with webUtils.getPathForFile (a page cannot forge one: only real
 * files the user gave have a path). Returns the function that removes the handlers.
 */
export function registerFileIpc({ ipc, isTrusted, grants, showOpenDialog }: FileIpcOptions): () => void {
  const guard = (event: IpcMainInvokeEvent): void => {
    if (!isTrusted(event)) throw new EngineError('invalid-input', 'refused: not the Trainyard window');
  };
  ipc.handle(CHOOSE_FILE_CHANNEL, async (event, purpose: unknown) => {
    guard(event);
    if (typeof purpose !== 'string' || !Object.hasOwn(FILE_FILTERS, purpose)) return null;
    const filters = FILE_FILTERS[purpose as keyof typeof FILE_FILTERS];
    const chosen = await showOpenDialog({ properties: ['openFile'], filters: [...filters, { name: 'All files', extensions: ['*'] }] });
    const path = chosen && !chosen.canceled ? chosen.filePaths[0] : undefined;
    return path ? grants.grant(path) : null;
  });
  ipc.handle(GRANT_FILE_CHANNEL, async (event, path: unknown) => {
    guard(event);
    if (typeof path !== 'string' || !isAbsolute(path) || !isRegularFile(path))
      throw new EngineError('invalid-input', 'only a file picked or dropped from disk can be used');
    return grants.grant(path);
  });
  return () => {
    ipc.removeHandler(CHOOSE_FILE_CHANNEL);
    ipc.removeHandler(GRANT_FILE_CHANNEL);
  };
}
