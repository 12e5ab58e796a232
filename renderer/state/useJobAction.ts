import { useEffect, useRef, useState } from 'react';
import type { EngineRequest, RequestArg, RequestResult } from '../../main/common/contracts/api.ts';
import type { JobInfo, JobStarted } from '../../main/common/contracts/jobs.ts';
import { useCall } from '../api/context.tsx';
import { ApiError } from '../api/errors.ts';
import { isFinished, useJob, useRefreshJob, type TrackedJob } from './jobs.tsx';

/** How often a started job's state is fetched while it runs, in case an event was missed. */
const REFRESH_MS = 2000;

/** The requests that start a job. */
type JobRequest = { [K in EngineRequest]: RequestResult<K> extends JobStarted ? K : never }[EngineRequest];

export interface JobAction {
  start<K extends JobRequest>(name: K, arg: RequestArg<K>): Promise<string | null>;
  jobId: string | null;
  job: TrackedJob | null;
  running: boolean;
  error: unknown;
}

/** Starts a job request and follows it; `onFinished` runs once when it succeeds, fails or is cancelled. */
export function useJobAction(onFinished?: (info: JobInfo) => void): JobAction {
  const callApi = useCall();
  const [jobId, setJobId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>();
  const job = useJob(jobId);
  const finishedRef = useRef<string | null>(null);
  const onFinishedRef = useRef(onFinished);
  useEffect(() => {
    onFinishedRef.current = onFinished;
  });

  const info = job?.info ?? null;
  const refresh = useRefreshJob();
  const finished = isFinished(info);
  useEffect(() => {
    if (jobId === null || finished) return;
    refresh(jobId);
    const timer = setInterval(() => refresh(jobId), REFRESH_MS);
    return () => clearInterval(timer);
  }, [jobId, finished, refresh]);
  useEffect(() => {
    if (info && isFinished(info) && finishedRef.current !== info.jobId) {
      finishedRef.current = info.jobId;
      onFinishedRef.current?.(info);
    }
  }, [info]);

  return {
    async start(name, arg) {
      setError(undefined);
      setStarting(true);
      try {
        const started = (await callApi(name, arg)) as JobStarted;
        setJobId(started.jobId);
        return started.jobId;
      } catch (err) {
        setError(err);
        return null;
      } finally {
        setStarting(false);
      }
    },
    jobId,
    job,
    running: starting || (jobId !== null && !isFinished(info)),
    error: error ?? (info?.state === 'failed' && info.error ? new ApiError(info.error) : undefined),
  };
}
