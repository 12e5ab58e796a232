import { parentPort, Worker, type Transferable, type WorkerOptions } from 'node:worker_threads';
import { EngineError, toErrorData, type EngineErrorData } from '../../common/contracts/errors.ts';
import type { LogLevel } from '../../common/contracts/jobs.ts';
import type { ProgressUpdate, TaskContext } from './task-context.ts';

/**
 * One request/response protocol for every worker thread of the engine. The worker says `ready` once
 * its modules are loaded; the host numbers its calls; the worker answers each id once (after any
 * progress and log events of that call), errors travel as EngineErrorData, and an abort on the host
 * aborts the call's signal in the worker.
 */
export type RpcMessage<Req> = { type: 'call'; id: number; request: Req } | { type: 'cancel'; id: number };

export type RpcReply<Res> =
  | { type: 'ready' }
  | { type: 'progress'; id: number; update: ProgressUpdate }
  | { type: 'log'; id: number; level: LogLevel; message: string }
  | { type: 'done'; id: number; value: Res }
  | { type: 'failed'; id: number; error: EngineErrorData };

/**
 * What happens after a worker dies (crashes, exits, is terminated from outside). Either way the
 * calls it had in flight fail with `worker-crashed`.
 * - `sticky`: every later call fails at once with the same error (the worker held state that is lost);
 * - `restart`: the next call starts a new worker.
 */
export type RestartPolicy = 'sticky' | 'restart';

export interface WorkerClientOptions {
  /** names the worker in errors: "ranking worker", "ALS worker 2" */
  name: string;
  restart?: RestartPolicy;
  worker?: WorkerOptions;
  /** told, with the dead worker's threadId, once a worker that died (not one closed) has stopped */
  onLost?: (thread: number, error: EngineError) => void;
}

interface Pending<Res> {
  ctx: Partial<TaskContext>;
  resolve(value: Res): void;
  reject(err: Error): void;
}

/**
 * The host's side of a worker thread that serves `serveRpc`. The thread starts with the first call
 * and keeps the process alive only while a call is in flight.
 */
export class WorkerClient<Req, Res> {
  private readonly url: URL;
  private readonly options: WorkerClientOptions;
  private worker: Worker | null = null;
  /** settles once the current worker has loaded its modules, or has stopped */
  private loaded: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Res>>();
  private stopped: EngineError | null = null;

  constructor(url: URL, options: WorkerClientOptions) {
    this.url = url;
    this.options = options;
  }

  /** The error every call now fails with (the worker died under the sticky policy, or the client was closed), else null. */
  get failure(): EngineError | null {
    return this.stopped;
  }

  /** The current worker thread, if one is running (for tests that end it from outside). */
  get thread(): Worker | null {
    return this.worker;
  }

  /**
   * Sends `request` and resolves with the worker's answer. `ctx.progress` and `ctx.log` receive the
   * call's events; aborting `ctx.signal` aborts the call's signal in the worker, and the call then
   * settles with whatever the worker answers (usually `cancelled`).
   */
  call(request: Req, ctx: Partial<TaskContext> = {}): Promise<Res> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (ctx.signal?.aborted) return Promise.reject(new EngineError('cancelled', 'cancelled'));
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const onAbort = (): void => worker.postMessage({ type: 'cancel', id } satisfies RpcMessage<Req>);
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T): void => {
          ctx.signal?.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          if (this.pending.size === 0) this.worker?.unref();
          fn(v);
        };
      this.pending.set(id, { ctx, resolve: settle(resolve), reject: settle(reject) });
      worker.ref();
      try {
        worker.postMessage({ type: 'call', id, request } satisfies RpcMessage<Req>);
      } catch (err) {
        this.pending.get(id)!.reject(err as Error); // a request that cannot be cloned
      }
    });
  }

  /**
   * Ends the worker; calls in flight and later calls fail as `cancelled`. A worker still loading its
   * modules is ended only once they are loaded: a native addon (DuckDB's) whose registration is cut
   * short by terminate() aborts the whole process.
   */
  async close(): Promise<void> {
    this.stopped ??= new EngineError('cancelled', `${this.options.name} was closed`);
    const worker = this.worker;
    this.worker = null;
    this.rejectAll(this.stopped);
    if (!worker) return;
    worker.ref(); // an exit meanwhile would end the thread as abruptly
    await this.loaded;
    await detach(worker).terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(this.url, this.options.worker);
    const thread = worker.threadId; // reads -1 once the thread has stopped
    let loaded!: () => void;
    this.loaded = new Promise((resolve) => (loaded = resolve));
    worker.on('message', (reply: RpcReply<Res>) => (reply.type === 'ready' ? loaded() : this.receive(reply)));
    worker.on('error', (err) => {
      loaded();
      this.lose(worker, thread, new EngineError('worker-crashed', `${this.options.name} crashed: ${err.message}`), err.stack);
    });
    worker.on('exit', (code) => {
      loaded();
      this.lose(worker, thread, new EngineError('worker-crashed', `${this.options.name} exited with code ${code}`));
    });
    worker.unref();
    return worker;
  }

  private receive(reply: Exclude<RpcReply<Res>, { type: 'ready' }>): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    if (reply.type === 'progress') call.ctx.progress?.(reply.update);
    else if (reply.type === 'log') call.ctx.log?.(reply.level, reply.message);
    else if (reply.type === 'done') call.resolve(reply.value);
    else call.reject(EngineError.fromData(reply.error));
  }

  private lose(worker: Worker, thread: number, error: EngineError, stack?: string): void {
    if (worker !== this.worker) return;
    if (stack) error.stack = stack;
    this.worker = null;
    if (this.options.restart !== 'restart') this.stopped = error;
    this.rejectAll(error);
    // told once the thread has stopped, so whatever it held (database locks) is released
    void detach(worker)
      .terminate()
      .then(() => this.options.onLost?.(thread, error));
  }

  private rejectAll(error: EngineError): void {
    for (const call of [...this.pending.values()]) call.reject(error);
  }
}

/** The worker without the client's listeners; an 'error' it still emits must not become an uncaught exception. */
function detach(worker: Worker): Worker {
  worker.removeAllListeners();
  worker.on('error', () => {});
  return worker;
}

export interface ServeOptions<Res> {
  /** buffers of an answer to move to the host instead of copying them */
  transfer?: (value: Res) => Transferable[];
}

/**
 * The worker's side: answers each call with `handler`, which gets a TaskContext whose signal the
 * host's abort fires and whose progress and log reach the host's context. A synchronous handler is
 * answered before the next message is read.
 */
export function serveRpc<Req, Res>(handler: (request: Req, ctx: TaskContext) => Res | Promise<Res>, options: ServeOptions<Res> = {}): void {
  const port = parentPort;
  if (!port) throw new Error('serveRpc must run inside a worker thread');
  const send = (reply: RpcReply<Res>, transfer: Transferable[] = []): void => port.postMessage(reply, transfer);
  const running = new Map<number, AbortController>();
  send({ type: 'ready' }); // the entry module's imports have all been evaluated by now
  port.on('message', (msg: RpcMessage<Req>) => {
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    const { id } = msg;
    const controller = new AbortController();
    running.set(id, controller);
    const fail = (err: unknown): void => {
      running.delete(id);
      send({ type: 'failed', id, error: toErrorData(err) });
    };
    const answer = (value: Res): void => {
      running.delete(id);
      try {
        send({ type: 'done', id, value }, options.transfer?.(value));
      } catch (err) {
        fail(err); // an answer that cannot be cloned
      }
    };
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (update) => send({ type: 'progress', id, update }),
      log: (level, message) => send({ type: 'log', id, level, message }),
    };
    let result: Res | Promise<Res>;
    try {
      result = handler(msg.request, ctx);
    } catch (err) {
      fail(err);
      return;
    }
    if (result instanceof Promise) result.then(answer, fail);
    else answer(result);
  });
}
