/** IPC channel names shared by the main process and the preload. */
export const REQUEST_CHANNEL_PREFIX = 'trainyard:request:';
export const EVENT_CHANNEL = 'trainyard:event';
export const SECRET_CHANNELS = {
  set: 'trainyard:secrets:set',
  clear: 'trainyard:secrets:clear',
  list: 'trainyard:secrets:list',
  status: 'trainyard:secrets:status',
} as const;

export const CHOOSE_FILE_CHANNEL = 'trainyard:dialog:choose-file';
/** The preload grants a dropped or picked file by the path only Electron knows (webUtils.getPathForFile). */
export const GRANT_FILE_CHANNEL = 'trainyard:files:grant';

export function requestChannel(name: string): string {
  return REQUEST_CHANNEL_PREFIX + name;
}

/** The renderer is served from this origin by a privileged custom protocol, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'trainyard';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
