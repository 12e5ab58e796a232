import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { ENGINE_EVENTS } from '../../main/common/contracts/requests.ts';
import { isLoopback } from '../../main/server/access.ts';
import { startServer, type RunningServer } from '../../main/server/index.ts';
import { FakeEngine } from '../support/fake-engine.ts';

const info = { path: '/ws', latestRunId: null, threads: 2, version: '0.1.0' };

describe('browser-mode server', () => {
  let engine: FakeEngine;
  let server: RunningServer;
  let staticDir: string;
  let workspace: string;

  beforeEach(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'ty-static-'));
    workspace = mkdtempSync(join(tmpdir(), 'ty-ws-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Trainyard</title>');
    writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
    engine = new FakeEngine({
      'workspace.info': () => info,
      'runs.show': ({ run }) => {
        throw new EngineError('not-found', `run ${run} does not exist`, { run });
      },
      'jobs.cancel': ({ jobId }) => ({ cancelled: jobId === 'job-1' }),
      'data.preview': ({ file }) => {
        if (file === 'internal') throw new Error(`ENOENT: no such file or directory, open '/opt/trainyard/main/engine/x.ts'`);
        throw new EngineError('invalid-input', `${file}: line 2 has 3 columns`, { file, hint: `see ${join(workspace, 'runs')} or /home/someone/.ssh/id_rsa` });
      },
    });
    server = await startServer({ engine, port: 0, host: '127.0.0.1', staticDir, workspace });
  });

  afterEach(async () => {
    await server.close();
  });

  const post = (name: string, body: unknown, token: string | null = server.token) =>
    fetch(`${server.origin}/api/${name}`, {
      method: 'POST',
      body: body === undefined ? '' : JSON.stringify(body),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  it('listens on loopback with a random token in the printed url', async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    const other = await startServer({ engine, port: 0, staticDir, workspace });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('refuses api requests without a token (401) and with a wrong one (401)', async () => {
    expect((await post('workspace.info', undefined, null)).status).toBe(401);
    expect((await post('workspace.info', undefined, 'x' + server.token.slice(1))).status).toBe(401);
    expect((await post('workspace.info', undefined, server.token.slice(0, 5))).status).toBe(401);
    expect(engine.calls).toHaveLength(0);
  });

  it('accepts the token as a bearer header, the scheme in any case, and never in the query string of a request', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await fetch(`${server.origin}/api/workspace.info`, { method: 'POST', headers: { authorization: `${scheme} ${server.token}` } });
      expect(await res.json(), scheme).toEqual({ ok: true, value: info });
    }
    expect((await fetch(`${server.origin}/api/workspace.info?token=${server.token}`, { method: 'POST' })).status).toBe(401);
    expect(engine.calls).toHaveLength(3);
  });

  it('round-trips a request and its argument', async () => {
    const res = await post('jobs.cancel', { jobId: 'job-1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: { cancelled: true } });
    expect(engine.calls).toEqual([{ name: 'jobs.cancel', arg: { jobId: 'job-1' } }]);
  });

  it('returns engine errors as data with kind and details', async () => {
    const res = await post('runs.show', { run: 'run_x' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { ok: false; error: { kind: string; message: string; details: unknown } };
    expect(body.ok).toBe(false);
    expect(body.error).toMatchObject({ kind: 'not-found', message: 'run run_x does not exist', details: { run: 'run_x' } });
  });

  it('rejects unknown request names, bad JSON and other methods', async () => {
    const unknown = await post('fs.readFile', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { kind: string } }).error.kind).toBe('not-found');
    const bad = await fetch(`${server.origin}/api/jobs.cancel`, { method: 'POST', body: '{oops', headers: { authorization: `Bearer ${server.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
    expect((await fetch(`${server.origin}/api/workspace.info`, { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(405);
    expect(engine.calls).toHaveLength(0);
  });

  it("answers the engine's argument validation errors with 400 naming the field", async () => {
    const res = await post('jobs.cancel', { jobId: 5, extra: true });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { kind: string; message: string } };
    expect(body.error.kind).toBe('invalid-input');
    expect(body.error.message).toContain('jobs.cancel');
    expect(body.error.message).toContain('jobId');
    expect(body.error.message).toMatch(/extra/);
    expect((await post('recommend', { user: 'u1', mode: 'magic' })).status).toBe(400);
    expect(engine.calls).toHaveLength(0);
  });

  it('serves the renderer with a CSP, falls back to index.html, and blocks path traversal', async () => {
    const page = await fetch(`${server.origin}/runs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Trainyard</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${server.origin}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.origin}/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.origin}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });

  it('forwards engine events over the websocket only with the token', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/api/events`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(`${wsUrl}?token=${server.token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const received = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    const progress = { jobId: 'job-1', stage: 'als', current: 3, total: 10, unit: 'iter', metrics: { loss: 0.5 } };
    engine.emit('job.progress', progress);
    expect(await received).toEqual({ event: 'job.progress', payload: progress });
    ws.close();
  });

  /** Sends raw bytes (no client-side URL parsing) and resolves with the status line the server answers. */
  const rawStatusLine = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.origin).port), '127.0.0.1', () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += String(chunk)));
      socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });

  it('answers odd request targets (the page, 4xx) before any token check, and keeps serving', async () => {
    for (const target of ['//%', '//[', '//a%20b', '//[/api/x', '/api/%', '*']) {
      expect(await rawStatusLine(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), target).toMatch(/^HTTP\/1\.1 (200|4\d\d)/);
      const upgrade = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
      expect(await rawStatusLine(upgrade), target).toMatch(/^HTTP\/1\.1 4\d\d/);
    }
    expect(await rawStatusLine('GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawStatusLine('GET //a b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await post('workspace.info', undefined)).status).toBe(200);
  });

  it('unsubscribes from the engine on close', async () => {
    for (const e of ENGINE_EVENTS) expect(engine.listenerCount(e)).toBe(1);
    await server.close();
    for (const e of ENGINE_EVENTS) expect(engine.listenerCount(e)).toBe(0);
    server = await startServer({ engine, port: 0, staticDir, workspace });
  });

  /** A raw request over loopback: the whole answer, once the server closes or `waitMs` passes. */
  const rawAnswer = (request: string, port = Number(new URL(server.origin).port), waitMs = 2000) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(answer);
      }, waitMs);
      socket.on('data', (chunk) => (answer += String(chunk)));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(answer);
      });
      socket.on('error', reject);
    });

  it('refuses other Host names (DNS rebinding) and other Origins, on the API, the page and the websocket', async () => {
    const port = new URL(server.origin).port;
    const api = (headers: string) =>
      rawAnswer(`POST /api/workspace.info HTTP/1.1\r\n${headers}Authorization: Bearer ${server.token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(await api(`Host: evil.example:${port}\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await api(`Host: 127.0.0.1:${Number(port) + 1}\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await api('')).toMatch(/^HTTP\/1\.1 (400|403)/);
    expect(await api(`Host: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await api(`Host: 127.0.0.1:${port}\r\nOrigin: null\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(engine.calls).toHaveLength(0);
    expect(await api(`Host: 127.0.0.1:${port}\r\nOrigin: ${server.origin}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await api(`Host: localhost:${port}\r\nOrigin: http://localhost:${port}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await rawStatusLine(`GET / HTTP/1.1\r\nHost: rebound.example:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);

    const wsStatus = (options: { origin?: string; headers?: Record<string, string> }) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/api/events?token=${server.token}`, options);
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
    expect(await wsStatus({ origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus({ headers: { host: `evil.example:${port}` } })).toBe(403);
    expect(await wsStatus({ origin: server.origin })).toBe(101);
  });

  it('answers 413 to an oversized body, before reading it when its length is announced', async () => {
    const head = (length: string) =>
      `POST /api/jobs.cancel HTTP/1.1\r\nHost: ${new URL(server.origin).host}\r\nAuthorization: Bearer ${server.token}\r\n${length}\r\n`;
    expect(await rawAnswer(head('Content-Length: 5000000\r\n'))).toMatch(/^HTTP\/1\.1 413[^]*larger than 4194304 bytes/);
    const chunk = 'x'.repeat(1024 * 1024);
    const chunked = head('Transfer-Encoding: chunked\r\n') + `100000\r\n${chunk}\r\n`.repeat(5) + '0\r\n\r\n';
    expect(await rawAnswer(chunked)).toMatch(/^HTTP\/1\.1 413/);
    expect(engine.calls).toHaveLength(0);
  });

  it('keeps stack traces and paths outside the workspace out of error bodies, and the file name the user gave', async () => {
    const internal = (await (await post('data.preview', { file: 'internal', kind: 'items' })).json()) as { error: Record<string, unknown> };
    expect(internal.error.stack).toBeUndefined();
    expect(internal.error.message).toBe("ENOENT: no such file or directory, open 'x.ts'");
    const res = await post('data.preview', { file: '/home/someone/private/ratings.csv', kind: 'items' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; details: { file: string; hint: string }; stack?: string } };
    expect(body.error.stack).toBeUndefined();
    expect(body.error.message).toBe('ratings.csv: line 2 has 3 columns');
    expect(body.error.details.file).toBe('ratings.csv');
    expect(body.error.details.hint).toBe(`see ${join(workspace, 'runs')} or id_rsa`);
  });

  it('caps connections and cuts off clients that never finish their headers', async () => {
    const tight = await startServer({ engine, port: 0, staticDir, workspace, maxConnections: 2, headersTimeoutMs: 300 });
    const port = Number(new URL(tight.origin).port);
    const started = Date.now();
    const slow = rawAnswer(`GET / HTTP/1.1\r\nHost: ${new URL(tight.origin).host}\r\n`, port, 5000);
    const held = connect(port, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await rawAnswer(`GET / HTTP/1.1\r\nHost: ${new URL(tight.origin).host}\r\nConnection: close\r\n\r\n`, port, 1000);
    expect(third).toBe('');
    expect(await slow).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(4000);
    held.destroy();
    await tight.close();
  });

  it('stores an upload under <workspace>/uploads/<random>/ with a sanitised name, and refuses one over the cap', async () => {
    const upload = (name: string, body: string, target = server) =>
      fetch(`${target.origin}/api/upload`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${target.token}`, 'x-file-name': encodeURIComponent(name) },
      });
    const res = await upload('../../.ssh/evil name?.csv', 'user,item\nu1,i1\n');
    expect(res.status).toBe(200);
    const { value } = (await res.json()) as { value: { path: string; name: string; bytes: number } };
    expect(value.name).toBe('evil name_.csv');
    expect(value.bytes).toBe(16);
    expect(value.path).toMatch(new RegExp(`^${join(workspace, 'uploads')}/[0-9a-f]{24}/evil name_\\.csv$`));
    expect(readFileSync(value.path, 'utf8')).toBe('user,item\nu1,i1\n');
    expect((await fetch(`${server.origin}/api/upload`, { method: 'POST', body: 'x' })).status).toBe(401);

    const small = await startServer({ engine, port: 0, staticDir, workspace, maxUploadBytes: 1000 });
    const before = readdirSync(join(workspace, 'uploads')).length;
    expect((await upload('big.csv', 'x'.repeat(1001), small)).status).toBe(413);
    const port = Number(new URL(small.origin).port);
    const chunked =
      `POST /api/upload HTTP/1.1\r\nHost: ${new URL(small.origin).host}\r\nAuthorization: Bearer ${small.token}\r\nx-file-name: big.csv\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `200\r\n${'x'.repeat(512)}\r\n`.repeat(3) +
      '0\r\n\r\n';
    expect(await rawAnswer(chunked, port)).toMatch(/^HTTP\/1\.1 413/);
    expect(readdirSync(join(workspace, 'uploads'))).toHaveLength(before);
    expect(existsSync(value.path)).toBe(true);
    await small.close();
  });
});

describe('isLoopback', () => {
  it('accepts loopback addresses only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.2', '192.168.1.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined]) expect(isLoopback(a)).toBe(false);
  });
});
