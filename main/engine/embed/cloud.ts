import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { resolveApiKey } from './api-key.ts';
import { normalizeRows, postJson } from './http-embed.ts';
import type { PostOptions } from './http-embed.ts';
import type { EmbeddingEffective, EmbeddingProvider } from './provider.ts';

export interface CloudOptions {
  model?: string;
  /** requested output size (OpenAI text-embedding-3 `dimensions`, Gemini `outputDimensionality`) */
  dimensions?: number;
  batchSize?: number;
  /** overrides the API host, e.g. a proxy or a test server */
  baseUrl?: string;
  /** .env file consulted when the key is not in the environment */
  envFile?: string;
  maxRetries?: number;
  backoffMs?: number;
}

interface ApiShape {
  service: string;
  keyVariable: string;
  defaultModel: string;
  defaultBaseUrl: string;
  maxBatch: number;
  /** characters kept per text: inputs over the model's token limit are rejected by the API */
  maxChars: number;
  request(model: string, texts: string[], dimensions: number | undefined): { path: string; body: unknown };
  parse(json: unknown, expected: number): number[][];
  authHeaders(key: string): Record<string, string>;
  isQuotaError(status: number, body: string): boolean;
}

function malformed(service: string, detail: string): EngineError {
  return new EngineError('internal', `${service} returned an unexpected answer: ${detail}`);
}

const OPENAI: ApiShape = {
  service: 'OpenAI',
  keyVariable: 'OPENAI_API_KEY',
  defaultModel: 'text-embedding-3-small',
  defaultBaseUrl: 'https://api.openai.com',
  maxBatch: 2048,
  maxChars: 24_000,
  request: (model, texts, dimensions) => ({
    path: '/v1/embeddings',
    body: { model, input: texts, encoding_format: 'float', ...(dimensions ? { dimensions } : {}) },
  }),
  parse(json, expected) {
    const data = (json as { data?: { embedding?: number[]; index?: number }[] }).data;
    if (!Array.isArray(data) || data.length !== expected)
      throw malformed('OpenAI', `expected ${expected} embeddings in data[], got ${Array.isArray(data) ? data.length : 'none'}`);
    const out: number[][] = new Array<number[]>(expected);
    for (const row of data) {
      if (typeof row.index !== 'number' || !Array.isArray(row.embedding)) throw malformed('OpenAI', 'a data[] entry lacks index or embedding');
      out[row.index] = row.embedding;
    }
    return out;
  },
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  isQuotaError: (status, body) => status === 429 && /insufficient_quota/.test(body),
};

const GEMINI: ApiShape = {
  service: 'Gemini',
  keyVariable: 'GEMINI_API_KEY',
  defaultModel: 'gemini-embedding-001',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  maxBatch: 100,
  maxChars: 8_000,
  request: (model, texts, dimensions) => ({
    path: `/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`,
    body: {
      requests: texts.map((text) => ({
        model: `models/${model}`,
        content: { parts: [{ text }] },
        ...(dimensions ? { outputDimensionality: dimensions } : {}),
      })),
    },
  }),
  parse(json, expected) {
    const embeddings = (json as { embeddings?: { values?: number[] }[] }).embeddings;
    if (!Array.isArray(embeddings) || embeddings.length !== expected)
      throw malformed('Gemini', `expected ${expected} embeddings, got ${Array.isArray(embeddings) ? embeddings.length : 'none'}`);
    return embeddings.map((e) => {
      if (!Array.isArray(e.values)) throw malformed('Gemini', 'an embeddings[] entry lacks values');
      return e.values;
    });
  },
  authHeaders: (key) => ({ 'x-goog-api-key': key }),
  // Gemini answers 429 RESOURCE_EXHAUSTED both for rate limits and for a spent quota; only the latter names the quota
  isQuotaError: (status, body) => status === 429 && /quota/i.test(body) && /exceeded/i.test(body) && !/per minute/i.test(body),
};

/** An embedding API over HTTPS (OpenAI or Gemini), batched, retried, vectors L2-normalised. */
export class CloudEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;
  private readonly api: ApiShape;
  private readonly envFile: string | undefined;
  private readonly model: string;
  private readonly requestedDimensions: number | undefined;
  private readonly batchSize: number;
  private readonly baseUrl: string;
  private readonly post: Omit<PostOptions, 'key' | 'headers'>;
  private learnedDimensions = 0;
  private truncated = 0;

  private constructor(name: 'openai' | 'gemini', api: ApiShape, options: CloudOptions) {
    this.name = name;
    this.api = api;
    this.envFile = options.envFile;
    resolveApiKey(api.keyVariable, options.envFile); // a missing key fails here, when the provider is built
    this.model = options.model ?? api.defaultModel;
    this.requestedDimensions = options.dimensions;
    const batchSize = options.batchSize ?? Math.min(100, api.maxBatch);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > api.maxBatch) {
      throw new EngineError('invalid-input', `semantic.batchSize for ${api.service} must be between 1 and ${api.maxBatch}, got ${batchSize}`, {
        field: 'batchSize',
      });
    }
    this.batchSize = batchSize;
    this.baseUrl = (options.baseUrl ?? api.defaultBaseUrl).replace(/\/+$/, '');
    this.post = {
      service: api.service,
      keyVariable: api.keyVariable,
      maxRetries: options.maxRetries ?? 5,
      backoffMs: options.backoffMs ?? 500,
      isQuotaError: api.isQuotaError,
    };
  }

  static openai(options: CloudOptions = {}): CloudEmbeddingProvider {
    return new CloudEmbeddingProvider('openai', OPENAI, options);
  }

  static gemini(options: CloudOptions = {}): CloudEmbeddingProvider {
    return new CloudEmbeddingProvider('gemini', GEMINI, options);
  }

  /** the configured size, else the size of the first answer (0 before any) */
  get dimensions(): number {
    return this.requestedDimensions ?? this.learnedDimensions;
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    // Read per call, not kept: a key stored, changed or cleared in the app applies to the next query.
    const key = resolveApiKey(this.api.keyVariable, this.envFile);
    const post: PostOptions = { ...this.post, key, headers: this.api.authHeaders(key) };
    const rows: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      throwIfCancelled(ctx.signal);
      const batch = texts.slice(start, start + this.batchSize).map((t) => {
        if (t.length <= this.api.maxChars) return t;
        this.truncated++;
        return t.slice(0, this.api.maxChars);
      });
      const { path, body } = this.api.request(this.model, batch, this.requestedDimensions);
      rows.push(...this.api.parse(await postJson(this.baseUrl + path, body, post, ctx), batch.length));
      ctx.progress({ stage: 'embed', current: Math.min(texts.length, start + this.batchSize), total: texts.length, unit: 'texts' });
    }
    const d = rows[0]?.length ?? this.dimensions;
    if (rows.some((r) => r.length !== d) || (this.dimensions && d !== this.dimensions)) {
      throw new EngineError('internal', `${this.api.service} returned vectors of differing sizes (expected ${this.dimensions || d})`);
    }
    this.learnedDimensions = d;
    const out = new Float32Array(rows.length * d);
    rows.forEach((r, i) => out.set(r, i * d));
    normalizeRows(out, d);
    return out;
  }

  effective(): EmbeddingEffective {
    return { provider: this.name, model: this.model, dimensions: this.dimensions, device: 'remote', truncated: this.truncated };
  }
}
