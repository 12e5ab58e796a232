import { SHARE_ENV, Worker } from 'node:worker_threads';
import { EngineError } from '../../common/contracts/errors.ts';
import { silentContext } from '../common/task-context.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { EmbeddingConfig } from './factory.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from './provider.ts';
import type { FromEmbedWorker, ToEmbedWorker } from './worker-protocol.ts';

type Call = Exclude<ToEmbedWorker, { type: 'cancel' }>;
type CallBody = Call extends infer C ? (C extends Call ? Omit<C, 'id'> : never) : never;

/**
 * An embedding provider that runs in its own worker thread, so model inference never blocks the
 * thread that serves the UI or the API. Same contract as the provider it hosts.
 */
export class WorkerEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { ctx: TaskContext; resolve: (m: Extract<FromEmbedWorker, { type: 'done' }>) => void; reject: (e: Error) => void }
  >();
  private state: { dimensions: number; effective: EmbeddingEffective } | null = null;
  /** set once the worker has died or been disposed: every call after that fails at once */
  private failure: EngineError | null = null;

  private constructor(name: string) {
    this.name = name;
    // The creating thread's environment, not a copy: cloud providers read API keys per call.
    this.worker = new Worker(new URL('../workers/embed-worker.ts', import.meta.url), { env: SHARE_ENV });
    this.worker.on('message', (msg: FromEmbedWorker) => this.receive(msg));
    this.worker.on('error', (err) => this.fail(new EngineError('worker-crashed', `embedding worker crashed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new EngineError('worker-crashed', `embedding worker exited with code ${code}`)));
  }

  /** Starts the worker and builds the provider there (restoring fitted state from `stateDir` when given). */
  static async start(config: EmbeddingConfig, stateDir: string | null = null, ctx: TaskContext = silentContext()): Promise<WorkerEmbeddingProvider> {
    const p = new WorkerEmbeddingProvider(config.provider ?? 'builtin');
    try {
      await p.call({ type: 'init', config, stateDir }, ctx);
    } catch (err) {
      await p.worker.terminate();
      throw err;
    }
    return p;
  }

  /** true once the worker has exited: a new provider must be started to embed again */
  get crashed(): boolean {
    return this.failure !== null;
  }

  get dimensions(): number {
    return this.state?.dimensions ?? 0;
  }

  async fit(corpus: readonly string[], ctx: TaskContext): Promise<void> {
    await this.call({ type: 'fit', texts: [...corpus] }, ctx);
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    const done = await this.call({ type: 'embed', texts: [...texts] }, ctx);
    return done.vectors ?? new Float32Array(0);
  }

  async queryWords(text: string, ctx: TaskContext = silentContext()): Promise<QueryWords | null> {
    return (await this.call({ type: 'words', text }, ctx)).words ?? null;
  }

  /** Saves the fitted state (builtin) from the worker into `dir`. */
  async save(dir: string, ctx: TaskContext = silentContext()): Promise<void> {
    await this.call({ type: 'save', dir }, ctx);
  }

  effective(): EmbeddingEffective {
    if (!this.state) throw new EngineError('internal', 'embedding worker has not started');
    return this.state.effective;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private call(body: CallBody, ctx: TaskContext): Promise<Extract<FromEmbedWorker, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ type: 'cancel', id } satisfies ToEmbedWorker);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          ctx.signal.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          fn(v);
        };
      this.pending.set(id, { ctx, resolve: settle(resolve), reject: settle(reject) });
      this.worker.postMessage({ ...body, id } as ToEmbedWorker);
      if (ctx.signal.aborted) onAbort();
    });
  }

  private receive(msg: FromEmbedWorker): void {
    const call = this.pending.get(msg.id);
    if (!call) return;
    if (msg.type === 'progress') call.ctx.progress(msg.update);
    else if (msg.type === 'log') call.ctx.log(msg.level, msg.message);
    else if (msg.type === 'failed') call.reject(EngineError.fromData(msg.error));
    else {
      this.state = { dimensions: msg.dimensions, effective: msg.effective };
      call.resolve(msg);
    }
  }

  private fail(err: EngineError): void {
    this.failure ??= err;
    for (const call of [...this.pending.values()]) call.reject(this.failure);
  }
}
