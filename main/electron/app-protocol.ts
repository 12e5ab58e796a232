import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { contentTypeOf, resolveStaticFile } from '../server/static-files.ts';
import { APP_SCHEME } from '../common/channels.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './security.ts';

/** Scheme options for protocol.registerSchemesAsPrivileged, which must run before `app.ready`. */
export const APP_SCHEME_PRIVILEGES = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } };

/** Answers app://trainyard/<path> from the built renderer, with the app's CSP on every response. */
export async function appProtocolResponse(rendererDir: string, requestUrl: string): Promise<Response> {
  if (!isAppUrl(requestUrl)) return new Response('not found', { status: 404 });
  const url = new URL(requestUrl);
  const found = await resolveStaticFile(rendererDir, url.pathname);
  if (!('file' in found)) return new Response(found.message, { status: found.status });
  return new Response(await readFile(found.file), {
    headers: { 'content-type': contentTypeOf(found.file), 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
  });
}

export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(rendererDir, request.url));
}
