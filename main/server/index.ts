import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { isInside } from '../engine/file-access.ts';
import { handleApiRequest } from './api-route.ts';
import { allowedHosts, checkAccess, checkSite, createToken } from './access.ts';
import { createEventSocket } from './event-socket.ts';
import type { ServedEngine } from '../hosts/served-engine.ts';
import { serveStatic } from './static-files.ts';

export type { ServedEngine } from '../hosts/served-engine.ts';

export interface ServerOptions {
  engine: ServedEngine;
  /** 0 picks a free port */
  port: number;
  /** only loopback addresses are accepted */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** the built renderer (dist/renderer) */
  staticDir: string;
  /** fixed token, for tests; a random one otherwise */
  token?: string;
  /** the engine's workspace: uploads go to `<workspace>/uploads/`, and error bodies show paths inside it only */
  workspace: string;
  /** largest upload in bytes (default 2 GiB) */
  maxUploadBytes?: number;
  /** most open connections (default 64) */
  maxConnections?: number;
  /** ms a client has to send a whole request (default 5 minutes: uploads) and its headers (default 20 s) */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

export interface RunningServer {
  /** the app's address including `?token=…` (the page moves the token into a header and off the address bar) */
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

const EVENTS_PATH = '/api/events';

/**
 * The request target as a URL, or null when it is not an origin-form path. The target is joined to
 * a fixed origin rather than resolved against one, so `//host` stays a path instead of a new host.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  return URL.parse(`http://trainyard.local${target}`);
}

const BAD_TARGET = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const GIB = 1024 ** 3;

function pageHeaders(origin: string): Record<string, string> {
  const wsOrigin = origin.replace(/^http/, 'ws');
  return {
    'content-security-policy': [
      "default-src 'self'",
      `connect-src 'self' ${wsOrigin}`,
      "img-src 'self' data:",
      "style-src 'self' 'unsafe-inline'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
}

/** Browser mode: serves the renderer and the engine API (HTTP + WebSocket) on loopback with a token. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? createToken();
  const workspace = resolve(options.workspace);
  const reveals = (path: string): boolean => isInside(resolve(path), workspace);
  const events = createEventSocket(options.engine, reveals);
  const api = { engine: options.engine, reveals, uploads: { dir: join(workspace, 'uploads'), maxBytes: options.maxUploadBytes ?? 2 * GIB } };
  let origin = '';
  let hosts = new Set<string>();
  const failed = (res: ServerResponse) => () => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('internal error');
  };

  const headersTimeout = options.headersTimeoutMs ?? 20_000;
  // Slow clients are cut off by Node's periodic check of request and header timeouts.
  const server = createServer(
    { connectionsCheckingInterval: Math.min(1000, headersTimeout), headersTimeout, requestTimeout: options.requestTimeoutMs ?? 5 * 60_000 },
    (req, res) => {
      const url = parseRequestTarget(req.url);
      if (!url) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('bad request target');
        return;
      }
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
        const verdict = checkAccess(req, url, token, hosts);
        if (!verdict.allowed) {
          res.writeHead(verdict.status, { 'content-type': 'application/json', connection: 'close' });
          res.end(JSON.stringify({ ok: false, error: { kind: 'invalid-input', message: verdict.reason } }));
          return;
        }
        handleApiRequest(api, url.pathname.slice('/api/'.length), req, res).catch(failed(res));
        return;
      }
      const foreign = checkSite(req, hosts);
      if (foreign) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(foreign);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      serveStatic(options.staticDir, url.pathname, res, pageHeaders(origin)).catch(failed(res));
    },
  );
  server.maxConnections = options.maxConnections ?? 64;

  server.on('upgrade', (req, socket, head) => {
    const url = parseRequestTarget(req.url);
    if (!url) {
      socket.end(BAD_TARGET);
      return;
    }
    const verdict = url.pathname === EVENTS_PATH ? checkAccess(req, url, token, hosts, true) : ({ allowed: false, status: 404, reason: 'not found' } as const);
    if (!verdict.allowed) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    events.upgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${hostPart}:${address.port}`;
  hosts = allowedHosts(origin);

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    token,
    async close() {
      await events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
