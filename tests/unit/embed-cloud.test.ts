import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CloudEmbeddingProvider } from '../../main/engine/embed/cloud.ts';
import { WorkerEmbeddingProvider } from '../../main/engine/embed/worker-provider.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { TaskContext } from '../../main/engine/common/task-context.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; input?: string[]; requests?: { model: string; content: { parts: { text: string }[] } }[] };
}

/** A loopback server speaking the documented OpenAI and Gemini embedding shapes; `script` injects failures. */
let server: Server;
let base = '';
const seen: Seen[] = [];
let script: { status: number; body: string; headers?: Record<string, string> }[] = [];

/** deterministic fake embedding: [len, vowels, 1] scaled, so normalisation and order are checkable */
function fakeVector(text: string): number[] {
  return [text.length, (text.match(/[aeiou]/g) ?? []).length, 1];
}

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const body = JSON.parse(raw) as Seen['body'];
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const scripted = script.shift();
  if (scripted) {
    res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
    res.end(scripted.body);
    return;
  }
  res.setHeader('content-type', 'application/json');
  if (req.url === '/v1/embeddings') {
    // answer in reverse order: clients must place rows by `index`
    const data = (body.input ?? []).map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })).reverse();
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
  } else if (/^\/v1beta\/models\/[^/:]+:batchEmbedContents$/.test(req.url ?? '')) {
    res.end(JSON.stringify({ embeddings: (body.requests ?? []).map((r) => ({ values: fakeVector(r.content.parts[0]!.text) })) }));
  } else {
    res.writeHead(404);
    res.end('{}');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  seen.length = 0;
  script = [];
  vi.unstubAllEnvs();
});

const TEXTS = ['alpha', 'bravo charlie', 'delta', 'echo foxtrot golf', 'hotel'];

function expectUnitRowsMatching(v: Float32Array, texts: string[]): void {
  texts.forEach((t, i) => {
    const raw = fakeVector(t);
    const len = Math.hypot(...raw);
    raw.forEach((x, k) => expect(v[i * 3 + k]!).toBeCloseTo(x / len, 6));
  });
}

describe('OpenAI provider', () => {
  it('batches POST /v1/embeddings with a bearer key from the environment and orders rows by index', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-test-123');
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, batchSize: 2, model: 'text-embedding-3-small' });
    const v = await p.embed(TEXTS, silentContext());
    expect(seen.map((s) => s.body.input)).toEqual([['alpha', 'bravo charlie'], ['delta', 'echo foxtrot golf'], ['hotel']]);
    expect(seen.every((s) => s.method === 'POST' && s.url === '/v1/embeddings' && s.headers.authorization === 'Bearer sk-test-123')).toBe(true);
    expect(seen[0]!.body.model).toBe('text-embedding-3-small');
    expectUnitRowsMatching(v, TEXTS);
    expect(p.effective()).toEqual({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 3, device: 'remote', truncated: 0 });
    expect(JSON.stringify(p.effective())).not.toContain('sk-test');
  });

  it('reads the key from a .env file without putting it into process.env', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const dir = mkdtempSync(join(tmpdir(), 'ty-env-'));
    writeFileSync(join(dir, '.env'), 'OTHER=1\nOPENAI_API_KEY=sk-from-file\n');
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, envFile: join(dir, '.env') });
    await p.embed(['x'], silentContext());
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-from-file');
    expect(process.env.OPENAI_API_KEY).toBe('');
    expect(process.env.OTHER).toBeUndefined();
  });

  it('reads the key at every call, so a key changed or cleared while a run is served applies to the next query', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-first');
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, envFile: join(tmpdir(), 'no-such.env') });
    await p.embed(['x'], silentContext());
    vi.stubEnv('OPENAI_API_KEY', 'sk-second');
    await p.embed(['y'], silentContext());
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer sk-first', 'Bearer sk-second']);
    vi.stubEnv('OPENAI_API_KEY', '');
    await expect(p.embed(['z'], silentContext())).rejects.toThrow(/OPENAI_API_KEY is not set/);
    expect(seen).toHaveLength(2);
  });

  it('sees a key changed on the main thread from inside the embedding worker that serves queries', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-first');
    const p = await WorkerEmbeddingProvider.start({ provider: 'openai', baseUrl: base, envFile: join(tmpdir(), 'no-such.env') });
    try {
      await p.embed(['x'], silentContext());
      vi.stubEnv('OPENAI_API_KEY', 'sk-second');
      await p.embed(['y'], silentContext());
      expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer sk-first', 'Bearer sk-second']);
    } finally {
      await p.dispose();
    }
  });

  it('says where to put a missing key', () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    expect(() => CloudEmbeddingProvider.openai({ baseUrl: base, envFile: join(tmpdir(), 'no-such.env') })).toThrow(
      /OPENAI_API_KEY is not set[\s\S]*no-such\.env[\s\S]*builtin/,
    );
  });

  it('retries 429 and 5xx with backoff, honouring Retry-After, and logs without the key', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-secret-key');
    script = [
      { status: 429, body: '{"error":{"code":"rate_limit_exceeded"}}', headers: { 'retry-after': '0' } },
      { status: 503, body: 'overloaded sk-secret-key' },
    ];
    const logs: string[] = [];
    const ctx: TaskContext = { ...silentContext(), log: (_l, m) => logs.push(m) };
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, backoffMs: 1 });
    const v = await p.embed(['alpha'], ctx);
    expect(seen).toHaveLength(3);
    expectUnitRowsMatching(v, ['alpha']);
    expect(logs).toHaveLength(2);
    expect(logs.join('\n')).not.toContain('sk-secret-key');
    expect(logs[1]).toContain('[redacted]');
  });

  it('fails at once with a clear error on 401 and on an exhausted quota, and gives up after maxRetries', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-bad');
    script = [{ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-bad"}}' }];
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, backoffMs: 1 });
    const err401 = (await p.embed(['a'], silentContext()).catch((e: unknown) => e)) as Error;
    expect(err401).toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('rejected the API key (401): check OPENAI_API_KEY') });
    expect(err401.message).not.toContain('sk-bad');
    script = [{ status: 429, body: '{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}' }];
    await expect(p.embed(['a'], silentContext())).rejects.toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('quota is exhausted') });
    expect(seen).toHaveLength(2);
    script = Array.from({ length: 3 }, () => ({ status: 500, body: 'boom' }));
    const q = CloudEmbeddingProvider.openai({ baseUrl: base, backoffMs: 1, maxRetries: 2 });
    await expect(q.embed(['a'], silentContext())).rejects.toThrow(/gave up after 3 attempts/);
  });

  it('cancels while waiting to retry', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'k');
    script = [{ status: 503, body: '' }];
    const ac = new AbortController();
    const p = CloudEmbeddingProvider.openai({ baseUrl: base, backoffMs: 60_000 });
    const pending = p.embed(['a'], { ...silentContext(ac.signal), log: () => setTimeout(() => ac.abort(), 20) });
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
  });
});

describe('Gemini provider', () => {
  it('posts batchEmbedContents with the documented request shape and an x-goog-api-key header', async () => {
    vi.stubEnv('GEMINI_API_KEY', 'g-key');
    const p = CloudEmbeddingProvider.gemini({ baseUrl: base, batchSize: 3, model: 'gemini-embedding-001', dimensions: 3 });
    const v = await p.embed(TEXTS, silentContext());
    expect(seen.map((s) => s.url)).toEqual([
      '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      '/v1beta/models/gemini-embedding-001:batchEmbedContents',
    ]);
    expect(seen[0]!.headers['x-goog-api-key']).toBe('g-key');
    expect(seen[0]!.body.requests![0]).toEqual({ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 3 });
    expect(seen.map((s) => s.body.requests!.length)).toEqual([3, 2]);
    expectUnitRowsMatching(v, TEXTS);
  });

  it('treats an invalid key (400 API_KEY_INVALID) as a key error', async () => {
    vi.stubEnv('GEMINI_API_KEY', 'g-wrong');
    script = [
      {
        status: 400,
        body: '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}',
      },
    ];
    const p = CloudEmbeddingProvider.gemini({ baseUrl: base });
    await expect(p.embed(['a'], silentContext())).rejects.toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('check GEMINI_API_KEY') });
  });
});
