/** A job as the runner sends it to a worker (common/worker-rpc.ts carries it; the answer is the job's result). */
export interface JobRequest {
  kind: string;
  arg: unknown;
  workspace: string;
}
