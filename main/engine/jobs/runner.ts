import { randomUUID } from 'node:crypto';
import { SHARE_ENV } from 'node:worker_threads';
import { EngineError, toErrorData } from '../../common/contracts/errors.ts';
import type { JobInfo, JobKind } from '../../common/contracts/jobs.ts';
import { WorkerClient } from '../common/worker-rpc.ts';
import type { Emit } from '../events.ts';
import type { JobRequest } from './protocol.ts';

interface Slot {
  client: WorkerClient<JobRequest, unknown>;
  /** the running job and what cancels it */
  jobId: string | null;
  cancel: AbortController | null;
}

interface Pending {
  info: JobInfo;
  arg: unknown;
  /** resolves when the job reaches a final state */
  settled: Promise<JobInfo>;
  settle: (info: JobInfo) => void;
  cancelRequested: boolean;
}

export interface JobRunnerOptions {
  workspace: string;
  /** worker entry module (a file that calls serveJobs) */
  workerUrl: URL;
  size: number;
  emit: Emit;
  /** called with the threadId of a worker that died (not one the runner ended), after its job failed */
  onWorkerLost?: (thread: number) => void;
  /** how long close() waits for cancelled jobs to stop before it ends their workers (10 s) */
  closeGraceMs?: number;
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A pool of worker threads running jobs. Jobs queue when every worker is busy; progress, logs and
 * state changes become engine events; a worker that dies fails its job and is replaced for the next.
 */
export class JobRunner {
  private readonly slots: Slot[] = [];
  private readonly jobs = new Map<string, Pending>();
  private readonly queue: string[] = [];
  private readonly opts: JobRunnerOptions;
  private closed = false;
  private readonly finishedListeners: ((info: JobInfo) => void)[] = [];

  constructor(opts: JobRunnerOptions) {
    this.opts = opts;
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn());
  }

  start(kind: JobKind, label: string, arg: unknown): JobInfo {
    if (this.closed) throw new EngineError('conflict', 'the engine is closing');
    const info: JobInfo = { jobId: randomUUID(), kind, label, state: 'queued', createdAt: new Date().toISOString() };
    let settle!: (i: JobInfo) => void;
    const settled = new Promise<JobInfo>((resolve) => (settle = resolve));
    this.jobs.set(info.jobId, { info, arg, settled, settle, cancelRequested: false });
    this.queue.push(info.jobId);
    this.opts.emit('job.state', { ...info });
    this.dispatch();
    return { ...info };
  }

  /** Called with every job that reaches a final state. */
  onFinished(listener: (info: JobInfo) => void): void {
    this.finishedListeners.push(listener);
  }

  get(jobId: string): JobInfo {
    const job = this.jobs.get(jobId);
    if (!job) throw new EngineError('not-found', `no job ${jobId}`);
    return { ...job.info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  /** Resolves with the job's final state. */
  wait(jobId: string): Promise<JobInfo> {
    const job = this.jobs.get(jobId);
    if (!job) throw new EngineError('not-found', `no job ${jobId}`);
    return job.settled;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || FINAL.has(job.info.state)) return false;
    job.cancelRequested = true;
    if (job.info.state === 'queued') {
      this.queue.splice(this.queue.indexOf(jobId), 1);
      this.finish(job, 'cancelled', { error: { kind: 'cancelled', message: 'cancelled before it started' } });
      return true;
    }
    this.slots.find((s) => s.jobId === jobId)?.cancel?.abort();
    return true;
  }

  /** Cancels every running job, waits for them to stop, then ends the workers (a job still running then ends cancelled). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.queue]) this.cancel(id);
    const running = [...this.jobs.values()].filter((j) => !FINAL.has(j.info.state));
    for (const j of running) this.cancel(j.info.jobId);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((r) => (timer = setTimeout(r, this.opts.closeGraceMs ?? 10_000)));
    await Promise.race([Promise.all(running.map((j) => j.settled)), grace]);
    clearTimeout(timer);
    await Promise.all(this.slots.map((s) => s.client.close()));
  }

  private spawn(): Slot {
    const client = new WorkerClient<JobRequest, unknown>(this.opts.workerUrl, {
      name: 'job worker',
      restart: 'restart',
      // One environment for all threads: an API key set or cleared in the app reaches the next job (a copy would keep the value at spawn).
      worker: { env: SHARE_ENV },
      onLost: (thread) => this.opts.onWorkerLost?.(thread),
    });
    return { client, jobId: null, cancel: null };
  }

  private finish(job: Pending, state: 'succeeded' | 'failed' | 'cancelled', extra: Partial<JobInfo>): void {
    if (FINAL.has(job.info.state)) return;
    job.info = { ...job.info, ...extra, state, finishedAt: new Date().toISOString() };
    this.opts.emit('job.state', { ...job.info });
    for (const listener of this.finishedListeners) listener({ ...job.info });
    job.settle({ ...job.info });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.jobId !== null) continue;
      const jobId = this.queue.shift();
      if (!jobId) return;
      const job = this.jobs.get(jobId)!;
      const cancel = new AbortController();
      slot.jobId = jobId;
      slot.cancel = cancel;
      job.info = { ...job.info, state: 'running' };
      this.opts.emit('job.state', { ...job.info });
      const request: JobRequest = { kind: job.info.kind, arg: job.arg, workspace: this.opts.workspace };
      slot.client
        .call(request, {
          signal: cancel.signal,
          progress: (update) => this.opts.emit('job.progress', { jobId, ...update }),
          log: (level, message) => this.opts.emit('job.log', { jobId, level, message, time: new Date().toISOString() }),
        })
        .then(
          (result) => this.finish(job, 'succeeded', { result }),
          (err: unknown) => {
            const error = toErrorData(err);
            this.finish(job, error.kind === 'cancelled' ? 'cancelled' : 'failed', { error });
          },
        )
        .finally(() => {
          slot.jobId = null;
          slot.cancel = null;
          if (!this.closed) this.dispatch();
        });
    }
  }
}
