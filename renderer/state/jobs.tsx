import { createContext, useCallback, useContext, useEffect, useReducer, type ReactNode } from 'react';
import type { JobInfo, JobLog, JobProgress } from '../../main/common/contracts/jobs.ts';
import { call, useApi } from '../api/context.tsx';

export interface StageProgress extends JobProgress {
  /** per charted metric (loss, accuracy, f1…), every value reported by this stage in order: ALS loss per iteration, classifier accuracy per epoch */
  series: Record<string, { step: number; value: number }[]>;
  startedAt: number;
  updatedAt: number;
}

export interface TrackedJob {
  info: JobInfo | null;
  stages: Record<string, StageProgress>;
  stageOrder: string[];
  logs: JobLog[];
}

export type JobsState = Record<string, TrackedJob>;

type Action =
  | { type: 'state'; info: JobInfo }
  | { type: 'progress'; progress: JobProgress; now: number }
  | { type: 'log'; log: JobLog }
  | { type: 'seed'; jobs: JobInfo[] };

const MAX_LOG_LINES = 500;

/** Progress metrics worth a chart; timings and counters are shown as text only. */
export function isChartedMetric(name: string): boolean {
  return /^(train_|val_|validation_)?(loss|accuracy|acc|f1|macro_f1|ndcg10)$/.test(name);
}

const empty = (): TrackedJob => ({ info: null, stages: {}, stageOrder: [], logs: [] });

export function jobsReducer(state: JobsState, action: Action): JobsState {
  switch (action.type) {
    case 'seed': {
      const next = { ...state };
      // Events that arrived before the list are newer than it.
      for (const info of action.jobs) if (!next[info.jobId]?.info) next[info.jobId] = { ...(next[info.jobId] ?? empty()), info };
      return next;
    }
    case 'state': {
      const job = state[action.info.jobId] ?? empty();
      // A job's state only moves forward: a late 'queued' or 'running' (an event or a fetch that crossed
      // the final event) never hides that the job has ended.
      if (isFinished(job.info) && !isFinished(action.info)) return state;
      return { ...state, [action.info.jobId]: { ...job, info: action.info } };
    }
    case 'progress': {
      const p = action.progress;
      const job = state[p.jobId] ?? empty();
      const prev = job.stages[p.stage];
      const series = { ...prev?.series };
      for (const [name, value] of Object.entries(p.metrics ?? {})) {
        if (isChartedMetric(name)) series[name] = [...(series[name] ?? []), { step: p.current, value }];
      }
      const stage: StageProgress = {
        ...p,
        series,
        startedAt: prev?.startedAt ?? action.now,
        updatedAt: action.now,
      };
      return {
        ...state,
        [p.jobId]: { ...job, stages: { ...job.stages, [p.stage]: stage }, stageOrder: prev ? job.stageOrder : [...job.stageOrder, p.stage] },
      };
    }
    case 'log': {
      const job = state[action.log.jobId] ?? empty();
      return { ...state, [action.log.jobId]: { ...job, logs: [...job.logs, action.log].slice(-MAX_LOG_LINES) } };
    }
  }
}

/** Seconds left for a stage from its rate so far; null until there is a rate. */
export function etaSeconds(stage: StageProgress): number | null {
  const elapsed = (stage.updatedAt - stage.startedAt) / 1000;
  if (stage.current <= 0 || elapsed <= 0 || stage.total <= stage.current) return null;
  return (elapsed / stage.current) * (stage.total - stage.current);
}

const JobsContext = createContext<JobsState>({});
const RefreshContext = createContext<(jobId: string) => void>(() => {});

/** Follows every job through engine events, so progress survives switching pages. */
export function JobsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [state, dispatch] = useReducer(jobsReducer, {});
  useEffect(() => {
    const offs = [
      api.on('job.state', (info) => dispatch({ type: 'state', info })),
      api.on('job.progress', (progress) => dispatch({ type: 'progress', progress, now: Date.now() })),
      api.on('job.log', (log) => dispatch({ type: 'log', log })),
    ];
    call(api, 'jobs.list', undefined).then(
      (jobs) => dispatch({ type: 'seed', jobs }),
      () => {},
    );
    return () => offs.forEach((off) => off());
  }, [api]);
  const refresh = useCallback(
    (jobId: string) =>
      call(api, 'jobs.get', { jobId }).then(
        (info) => dispatch({ type: 'state', info }),
        () => {},
      ),
    [api],
  );
  return (
    <RefreshContext.Provider value={refresh}>
      <JobsContext.Provider value={state}>{children}</JobsContext.Provider>
    </RefreshContext.Provider>
  );
}

/** Fetches a job's state, for when its events may have been missed (the page opened or reconnected late). */
export function useRefreshJob(): (jobId: string) => void {
  return useContext(RefreshContext);
}

export function useJobs(): JobsState {
  return useContext(JobsContext);
}

export function useJob(jobId: string | null): TrackedJob | null {
  const jobs = useJobs();
  return jobId ? (jobs[jobId] ?? empty()) : null;
}

export function isFinished(info: JobInfo | null | undefined): boolean {
  return !!info && (info.state === 'succeeded' || info.state === 'failed' || info.state === 'cancelled');
}

/** The most recently created job of a kind, so a page shows it again after navigating away. */
export function latestJobId(jobs: JobsState, kind: JobInfo['kind']): string | null {
  let best: JobInfo | null = null;
  for (const job of Object.values(jobs)) {
    const info = job.info;
    if (info?.kind === kind && (best === null || info.createdAt > best.createdAt)) best = info;
  }
  return best?.jobId ?? null;
}
