import { join } from 'node:path';
import type { ClassifyTrainArgs } from '../contracts/api.ts';
import { toErrorData } from '../contracts/errors.ts';
import type { RunManifest } from '../contracts/runs.ts';
import { applySet } from '../config/load.ts';
import type { TaskContext } from '../jobs/context.ts';
import type { TrainClassifierResult } from '../text/classify.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { createRun, newRunId, runDir, saveManifest } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface ClassifyRunResult {
  runId: string;
  runDir: string;
  metrics: TrainClassifierResult['metrics'];
  baseline: TrainClassifierResult['metrics'];
}

export type TrainClassifierFn = (opts: { data: string; textCol?: string; labelCol?: string; model?: 'fasttext' | 'encoder'; params: Record<string, unknown>; outDir: string }, ctx: TaskContext) => Promise<TrainClassifierResult>;

/** `--set train.epochs=5` style overrides → the classifier's params object. */
export function classifyParams(set: readonly string[] | undefined): Record<string, unknown> {
  return (set ?? []).reduce<Record<string, unknown>>((params, assignment) => applySet(params, assignment), {});
}

/**
 * A classifier run: a run folder like any other (manifest, metrics), its model under `<model>/`.
 * Classifier runs never move LATEST, which names the recommender run that serves.
 */
export async function classifyRun(args: ClassifyTrainArgs, paths: WorkspacePaths, train: TrainClassifierFn, ctx: TaskContext): Promise<ClassifyRunResult> {
  const model = args.model ?? 'fasttext';
  const params = classifyParams(args.set);
  const runId = newRunId(paths);
  const dir = runDir(paths, runId);
  const manifest: RunManifest = {
    runId,
    kind: 'classifier',
    status: 'running',
    createdAt: new Date().toISOString(),
    packageVersion: PACKAGE_VERSION,
    config: args,
    resolvedParams: { model, ...params },
    dataset: null,
    split: null,
    stages: [{ name: model, status: 'running' }],
    timings: {},
  };
  createRun(paths, manifest);
  const stage = manifest.stages[0]!;
  try {
    const t0 = performance.now();
    const result = await train(
      { data: args.data, model, params, outDir: join(dir, model), ...(args.textCol ? { textCol: args.textCol } : {}), ...(args.labelCol ? { labelCol: args.labelCol } : {}) },
      ctx,
    );
    stage.seconds = (performance.now() - t0) / 1000;
    stage.status = 'succeeded';
    stage.effective = { epochs: result.training.epochs, bestEpoch: result.training.bestEpoch, examplesPerSec: result.training.examplesPerSec };
    manifest.timings[model] = stage.seconds;
    manifest.status = 'succeeded';
    manifest.finishedAt = new Date().toISOString();
    saveManifest(paths, manifest);
    return { runId, runDir: dir, metrics: result.metrics, baseline: result.baseline };
  } catch (err) {
    manifest.error = toErrorData(err);
    manifest.status = manifest.error.kind === 'cancelled' ? 'cancelled' : 'failed';
    stage.status = manifest.status;
    manifest.finishedAt = new Date().toISOString();
    saveManifest(paths, manifest);
    throw err;
  }
}
