import type { BrowserWindow, Session, WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from '../common/channels.ts';

/** No remote code, no inline scripts, no network: the renderer talks to the engine over IPC only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Compares scheme and host: Node's URL gives custom schemes an opaque ("null") origin. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** A structural view of an IPC event: which WebContents and frame sent it. */
export interface IpcSender {
  sender: Pick<WebContents, 'id'>;
  senderFrame: { url: string } | null;
}

/** IPC is answered only for the app's own window, from a frame showing the app's origin. */
export function isTrustedSender(event: IpcSender, window: { webContents: Pick<WebContents, 'id'> } | null): boolean {
  if (!window || event.sender.id !== window.webContents.id) return false;
  return event.senderFrame !== null && isAppUrl(event.senderFrame.url);
}

/** Blocks navigation away from the app, new windows, webviews and every permission request. */
export function hardenWindow(window: BrowserWindow, session: Session): void {
  const contents = window.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
