import type { TrainyardApi } from '../../main/common/contracts/bridge.ts';
import { createHttpClient } from './http-client.ts';

declare global {
  interface Window {
    trainyard?: TrainyardApi;
  }
}

const TOKEN_KEY = 'trainyard.token';

/**
 * The desktop app's preload provides `window.trainyard`; in browser mode the page was opened with
 * `?token=…`, which is kept for this tab and removed from the address bar.
 */
export function connectApi(win: Window = window): TrainyardApi | null {
  if (win.trainyard) return win.trainyard;
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
  }
  const token = fromUrl ?? win.sessionStorage.getItem(TOKEN_KEY);
  return token ? createHttpClient({ origin: url.origin, token }) : null;
}
