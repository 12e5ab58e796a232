import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

export interface JobEnv {
  workspace: string;
}

export type JobHandler = (arg: unknown, ctx: TaskContext, env: JobEnv) => Promise<unknown>;

/** Runs inside a worker thread: executes jobs by kind and reports through the typed protocol. */
export function serveJobs(handlers: Record<string, JobHandler>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs must run inside a worker thread');
  let seq = 0;
  const send = (msg: FromWorker): void => port.postMessage(msg);
  const running = new Map<string, AbortController>();

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'cancel') {
      running.get(msg.jobId)?.abort();
      return;
    }
    const { jobId } = msg;
    const controller = new AbortController();
    running.set(jobId, controller);
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (update) => send({ type: 'progress', seq: ++seq, jobId, update }),
      log: (level, message) => send({ type: 'log', seq: ++seq, jobId, level, message }),
    };
    const handler = handlers[msg.kind];
    const work = handler ? handler(msg.arg, ctx, { workspace: msg.workspace }) : Promise.reject(new Error(`no handler for job kind ${msg.kind}`));
    work
      .then(
        (result) => send({ type: 'done', seq: ++seq, jobId, result }),
        (err: unknown) => send({ type: 'failed', seq: ++seq, jobId, error: toErrorData(err) }),
      )
      .finally(() => running.delete(jobId));
  });
  send({ type: 'ready', seq: ++seq });
}
