import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApiRequest } from './api-route.ts';
import { checkAccess, createToken } from './access.ts';
import { createEventSocket } from './event-socket.ts';
import type { ServedEngine } from './served-engine.ts';
import { serveStatic } from './static-files.ts';

export type { ServedEngine } from './served-engine.ts';

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
}

export interface RunningServer {
  /** the app's address including `?token=…` */
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
  const events = createEventSocket(options.engine);
  let origin = '';

  const server = createServer((req, res) => {
    const url = parseRequestTarget(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('bad request target');
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      const verdict = checkAccess(req, url, token);
      if (!verdict.allowed) {
        res.writeHead(verdict.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: { kind: 'invalid-input', message: verdict.reason } }));
        return;
      }
      handleApiRequest(options.engine, url.pathname.slice('/api/'.length), req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    serveStatic(options.staticDir, url.pathname, res, pageHeaders(origin)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = parseRequestTarget(req.url);
    if (!url) {
      socket.end(BAD_TARGET);
      return;
    }
    const verdict = url.pathname === EVENTS_PATH ? checkAccess(req, url, token) : ({ allowed: false, status: 404, reason: 'not found' } as const);
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
