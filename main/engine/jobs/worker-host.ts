import { serveRpc } from '../common/worker-rpc.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { JobRequest } from './protocol.ts';

export interface JobEnv {
  workspace: string;
}

export type JobHandler = (arg: unknown, ctx: TaskContext, env: JobEnv) => Promise<unknown>;

/** Runs inside a worker thread: executes jobs by kind; progress, logs, results and errors go back through serveRpc. */
export function serveJobs(handlers: Record<string, JobHandler>): void {
  serveRpc<JobRequest, unknown>((job, ctx) => {
    const handler = handlers[job.kind];
    if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
    return handler(job.arg, ctx, { workspace: job.workspace });
  });
}
