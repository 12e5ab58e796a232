import { availableParallelism } from 'node:os';
import type { ClassifyTrainArgs, GenerateArgs, ImportArgs, TrainArgs } from '../../common/contracts/api.ts';
import { generateSample } from '../data/generate.ts';
import { serveJobs } from '../jobs/worker-host.ts';
import { classifierTrainer } from '../runs/classifier-embedding.ts';
import { classifyRun } from '../runs/classify-run.ts';
import { evaluateRun } from '../runs/eval-run.ts';
import { trainRun } from '../runs/train-run.ts';
import { workspacePaths } from '../runs/workspace.ts';
import { openWorkspaceDb, type Db } from '../store/db.ts';
import { importFromSource } from '../store/source-import.ts';

/** The job worker: one database connection per worker, jobs dispatched by kind. */
let db: Db | null = null;
async function workspaceDb(workspace: string): Promise<Db> {
  db ??= await openWorkspaceDb(workspacePaths(workspace).db);
  return db;
}

const threads = Math.max(1, availableParallelism());

serveJobs({
  'data.generate': (arg, ctx) => generateSample(arg as GenerateArgs, ctx),
  'data.import': async (arg, ctx, env) => importFromSource(await workspaceDb(env.workspace), arg as ImportArgs, workspacePaths(env.workspace).tmp, ctx),
  train: async (arg, ctx, env) => trainRun(arg as TrainArgs, { paths: workspacePaths(env.workspace), db: await workspaceDb(env.workspace), threads }, ctx),
  'classify.train': (arg, ctx, env) => classifyRun(arg as ClassifyTrainArgs, workspacePaths(env.workspace), classifierTrainer, ctx),
  eval: async (arg, ctx, env) =>
    evaluateRun(arg as { run: string; ks?: number[] }, { paths: workspacePaths(env.workspace), db: await workspaceDb(env.workspace) }, ctx),
});
