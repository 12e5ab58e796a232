import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { redact } from './api-key.ts';

export interface PostOptions {
  /** service name for messages, e.g. "OpenAI" */
  service: string;
  key: string;
  headers: Record<string, string>;
  maxRetries: number;
  /** first backoff delay; doubles on each retry */
  backoffMs: number;
  /** recognises a non-retryable quota/billing error in a 429 body */
  isQuotaError?: (status: number, body: string) => boolean;
  keyVariable: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new EngineError('cancelled', 'cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new EngineError('cancelled', 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function retryDelay(response: Response | null, attempt: number, base: number): number {
  const header = response?.headers.get('retry-after');
  const seconds = header ? Number(header) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 60_000);
  return base * 2 ** attempt * (0.75 + Math.random() * 0.5);
}

/**
 * POSTs JSON and returns the parsed JSON answer. Retries with exponential backoff (or Retry-After)
 * on 429 and 5xx and on network failures; 401/403 and quota errors fail at once with what to do.
 */
export async function postJson(url: string, body: unknown, options: PostOptions, ctx: TaskContext): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(ctx.signal);
    let response: Response | null = null;
    let failure: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        signal: ctx.signal,
      });
      if (response.ok) return await response.json();
      const text = redact(await response.text(), options.key).slice(0, 500);
      failure = `${options.service} answered ${response.status}: ${text}`;
      if (response.status === 401 || response.status === 403 || (response.status === 400 && /api key not valid|API_KEY_INVALID/i.test(text))) {
        throw new EngineError('invalid-input', `${options.service} rejected the API key (${response.status}): check ${options.keyVariable}. ${text}`, {
          field: options.keyVariable,
          status: response.status,
        });
      }
      if (options.isQuotaError?.(response.status, text)) {
        throw new EngineError(
          'invalid-input',
          `${options.service} quota is exhausted (${response.status}): check the plan and billing of the account behind ${options.keyVariable}. ${text}`,
          { status: response.status },
        );
      }
      if (response.status !== 429 && response.status < 500) {
        throw new EngineError('invalid-input', failure, { status: response.status });
      }
    } catch (err) {
      if (err instanceof EngineError) throw err;
      if (ctx.signal.aborted) throw new EngineError('cancelled', 'cancelled');
      failure = `${options.service} could not be reached: ${redact((err as Error).message, options.key)}`;
    }
    if (attempt >= options.maxRetries) {
      throw new EngineError('internal', `${failure} (gave up after ${attempt + 1} attempts)`, response ? { status: response.status } : undefined);
    }
    const delay = retryDelay(response, attempt, options.backoffMs);
    ctx.log('warn', `${failure}; retrying in ${Math.round(delay)} ms`);
    await sleep(delay, ctx.signal);
  }
}

/** L2-normalises each row of a row-major matrix in place. */
export function normalizeRows(v: Float32Array, d: number): void {
  for (let o = 0; o < v.length; o += d) {
    let len = 0;
    for (let k = 0; k < d; k++) len += v[o + k]! * v[o + k]!;
    if (len === 0) continue;
    const inv = 1 / Math.sqrt(len);
    for (let k = 0; k < d; k++) v[o + k]! *= inv;
  }
}
