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

/** The token from `Authorization: Bearer …` or the `token` query parameter (WebSockets cannot set headers). */
export function presentedToken(req: IncomingMessage, url: URL): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return url.searchParams.get('token');
}

export function tokensMatch(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type AccessVerdict = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

export function checkAccess(req: IncomingMessage, url: URL, token: string): AccessVerdict {
  if (!isLoopback(req.socket.remoteAddress)) return { allowed: false, status: 403, reason: 'only loopback clients are served' };
  if (!tokensMatch(token, presentedToken(req, url))) return { allowed: false, status: 401, reason: 'missing or wrong token' };
  return { allowed: true };
}
