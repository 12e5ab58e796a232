import { randomUUID } from 'node:crypto';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { EngineError, type EngineErrorData } from '../../common/contracts/errors.ts';
import type { JobInfo, JobKind } from '../../common/contracts/jobs.ts';
import type { Emit } from '../events.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

interface Slot {
  worker: Worker;
  /** the worker's threadId, kept because it reads -1 once the thread has stopped */
  thread: number;
  jobId: string | null;
  seq: number;
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
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A pool of worker threads running jobs. Jobs queue when every worker is busy; progress, logs and
 * state changes become engine events; a worker that dies fails its job and is replaced.
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
    const slot = this.slots.find((s) => s.jobId === jobId);
    if (slot) this.post(slot, { type: 'cancel', seq: ++slot.seq, jobId });
    return true;
  }

  /** Cancels every running job, waits for them to stop, then ends the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.queue]) this.cancel(id);
    const running = [...this.jobs.values()].filter((j) => !FINAL.has(j.info.state));
    for (const j of running) this.cancel(j.info.jobId);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((r) => (timer = setTimeout(r, 10_000)));
    await Promise.race([Promise.all(running.map((j) => j.settled)), grace]);
    clearTimeout(timer);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    // One environment for all threads: an API key set or cleared in the app reaches the next job (a copy would keep the value at spawn).
    const worker = new Worker(this.opts.workerUrl, { env: SHARE_ENV });
    const slot: Slot = { worker, thread: worker.threadId, jobId: null, seq: 0 };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) =>
      this.onCrash(slot, { kind: 'worker-crashed', message: `worker crashed: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) }),
    );
    worker.on('exit', (code) => {
      if (!this.closed) this.onCrash(slot, { kind: 'worker-crashed', message: `worker exited with code ${code} while running the job` });
    });
    worker.unref();
    return slot;
  }

  private onCrash(slot: Slot, error: EngineErrorData): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const job = slot.jobId ? this.jobs.get(slot.jobId) : undefined;
    if (job) this.finish(job, 'failed', { error });
    slot.worker.removeAllListeners();
    // told once the thread has stopped, so whatever it held (database locks) is released
    void slot.worker.terminate().then(() => this.opts.onWorkerLost?.(slot.thread));
    if (!this.closed) {
      this.slots[index] = this.spawn();
      this.dispatch();
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === 'ready') return;
    const job = this.jobs.get(msg.jobId);
    if (!job) return;
    switch (msg.type) {
      case 'progress':
        this.opts.emit('job.progress', { jobId: msg.jobId, ...msg.update });
        break;
      case 'log':
        this.opts.emit('job.log', { jobId: msg.jobId, level: msg.level, message: msg.message, time: new Date().toISOString() });
        break;
      case 'done':
        this.release(slot);
        this.finish(job, 'succeeded', { result: msg.result });
        this.dispatch();
        break;
      case 'failed':
        this.release(slot);
        this.finish(job, msg.error.kind === 'cancelled' ? 'cancelled' : 'failed', { error: msg.error });
        this.dispatch();
        break;
    }
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
      slot.jobId = jobId;
      slot.worker.ref();
      job.info = { ...job.info, state: 'running' };
      this.opts.emit('job.state', { ...job.info });
      this.post(slot, { type: 'start', seq: ++slot.seq, jobId, kind: job.info.kind, arg: job.arg, workspace: this.opts.workspace });
    }
  }

  /** An idle worker must not keep the process alive; a busy one must. */
  private release(slot: Slot): void {
    slot.jobId = null;
    slot.worker.unref();
  }

  private post(slot: Slot, msg: ToWorker): void {
    slot.worker.postMessage(msg);
  }
}
