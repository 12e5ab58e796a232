import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

/** True for IPv4/IPv6 loopback, including IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * The token from `Authorization: Bearer …` (scheme in any case). Only the WebSocket upgrade may carry
 * it as the `token` query parameter, because a browser cannot set headers on a WebSocket.
 */
export function presentedToken(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const header = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (header) return header[1]!;
  return allowQuery ? url.searchParams.get('token') : null;
}

export function tokensMatch(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The names a page of this server is reached by: the loopback address it listens on, or localhost, with its port. */
export function allowedHosts(origin: string): Set<string> {
  const { host, port } = new URL(origin);
  return new Set([host, `localhost:${port}`]);
}

/**
 * DNS rebinding gives a foreign page our address under its own name, so the Host header must be
 * one of ours; a cross-site page (fetch, WebSocket) sends its own Origin, which must be ours.
 */
export function checkSite(req: IncomingMessage, hosts: ReadonlySet<string>): string | null {
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) return 'the Host header names another site';
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  const parsed = URL.parse(origin);
  if (!parsed || parsed.protocol !== 'http:' || !hosts.has(parsed.host) || origin.replace(/\/$/, '') !== parsed.origin)
    return 'the request comes from another site';
  return null;
}

export type AccessVerdict = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

export function checkAccess(req: IncomingMessage, url: URL, token: string, hosts: ReadonlySet<string>, allowQueryToken = false): AccessVerdict {
  if (!isLoopback(req.socket.remoteAddress)) return { allowed: false, status: 403, reason: 'only loopback clients are served' };
  const site = checkSite(req, hosts);
  if (site) return { allowed: false, status: 403, reason: site };
  if (!tokensMatch(token, presentedToken(req, url, allowQueryToken))) return { allowed: false, status: 401, reason: 'missing or wrong token' };
  return { allowed: true };
}
