import { SHARE_ENV } from 'node:worker_threads';
import { EngineError } from '../../common/contracts/errors.ts';
import { silentContext } from '../common/task-context.ts';
import type { TaskContext } from '../common/task-context.ts';
import { WorkerClient } from '../common/worker-rpc.ts';
import type { EmbeddingConfig } from './factory.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from './provider.ts';
import type { EmbedAnswer, EmbedCall } from './worker-protocol.ts';

/**
 * An embedding provider that runs in its own worker thread, so model inference never blocks the
 * thread that serves the UI or the API. Same contract as the provider it hosts. A worker that died
 * (or a disposed provider) fails every call at once.
 */
export class WorkerEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;
  private readonly rpc: WorkerClient<EmbedCall, EmbedAnswer>;
  private state: { dimensions: number; effective: EmbeddingEffective } | null = null;

  private constructor(name: string) {
    this.name = name;
    this.rpc = new WorkerClient(new URL('../workers/embed-worker.ts', import.meta.url), {
      name: 'embedding worker',
      // The creating thread's environment, not a copy: cloud providers read API keys per call.
      worker: { env: SHARE_ENV },
    });
  }

  /** Starts the worker and builds the provider there (restoring fitted state from `stateDir` when given). */
  static async start(config: EmbeddingConfig, stateDir: string | null = null, ctx: TaskContext = silentContext()): Promise<WorkerEmbeddingProvider> {
    const p = new WorkerEmbeddingProvider(config.provider ?? 'builtin');
    try {
      await p.call({ type: 'init', config, stateDir }, ctx);
    } catch (err) {
      await p.dispose();
      throw err;
    }
    return p;
  }

  /** true once the worker has died (or the provider was disposed): a new provider must be started to embed again */
  get crashed(): boolean {
    return this.rpc.failure !== null;
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
    await this.rpc.close();
  }

  private async call(body: EmbedCall, ctx: TaskContext): Promise<EmbedAnswer> {
    const answer = await this.rpc.call(body, ctx);
    this.state = { dimensions: answer.dimensions, effective: answer.effective };
    return answer;
  }
}
