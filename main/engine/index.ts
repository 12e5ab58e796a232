import { availableParallelism } from 'node:os';
import type { EngineApi, EngineRequest, RequestArg } from '../common/contracts/api.ts';
import type { JobInfo } from '../common/contracts/jobs.ts';
import { createEventBus, type Subscribe } from './events.ts';
import { ANYWHERE, checkFileAccess, type FileAccess } from './file-access.ts';
import { JobRunner } from './jobs/runner.ts';
import { parseRequestArg } from './request-args.ts';
import { createRequestHandlers } from './requests.ts';
import { reconcileWorkspace, settleLostThread } from './runs/reconcile.ts';
import { ensureWorkspace, type WorkspacePaths } from './runs/workspace.ts';
import { spillDir } from './store/datasets.ts';
import { openWorkspaceDb } from './store/db.ts';
import { convertLegacyDatasets } from './store/legacy-datasets.ts';

export interface EngineOptions {
  /** workspace folder: trainyard.db, runs/, LATEST */
  workspace: string;
  /** job worker threads; default one per core */
  workers?: number;
  /** which files requests may name: anywhere (the CLI, the default) or the workspace and granted files (hosts that serve a page) */
  files?: FileAccess;
}

export interface Engine {
  readonly workspace: WorkspacePaths;
  request<K extends EngineRequest>(name: K, arg: RequestArg<K>): ReturnType<EngineApi[K]>;
  on: Subscribe;
  /** resolves when the job reaches succeeded, failed or cancelled */
  waitForJob(jobId: string): Promise<JobInfo>;
  /** cancels running jobs, ends the workers and closes the database */
  close(): Promise<void>;
}

/** The one entry to the engine, shared by the Electron app, browser mode and the CLI. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const paths = ensureWorkspace(options.workspace);
  const db = await openWorkspaceDb(paths.db);
  await convertLegacyDatasets(db, spillDir(db));
  reconcileWorkspace(paths, db);
  const bus = createEventBus();
  const threads = Math.max(1, availableParallelism());
  const runner = new JobRunner({
    workspace: paths.root,
    workerUrl: new URL('./workers/job-worker.ts', import.meta.url),
    size: options.workers ?? threads,
    emit: bus.emit,
    onWorkerLost: (thread) => {
      for (const runId of settleLostThread(paths, db, thread)) bus.emit('runs.changed', { runId });
    },
  });
  const { api, dispose } = createRequestHandlers({ paths, db, runner, emit: bus.emit, threads });
  return {
    workspace: paths,
    // Every host's arguments and the files they name are checked here, once: the CLI, IPC and HTTP all pass through.
    request: (name, arg) => {
      const call = api[name] as (a: typeof arg) => ReturnType<EngineApi[typeof name]>;
      let parsed: typeof arg;
      try {
        parsed = parseRequestArg(name, arg);
        checkFileAccess(options.files ?? ANYWHERE, paths.root, name, parsed);
      } catch (err) {
        return Promise.reject(err) as ReturnType<EngineApi[typeof name]>;
      }
      return call(parsed);
    },
    on: bus.on,
    waitForJob: (jobId) => runner.wait(jobId),
    async close() {
      await runner.close();
      await dispose();
      db.close();
    },
  };
}

export type { EngineApi, EngineEvents } from '../common/contracts/api.ts';
