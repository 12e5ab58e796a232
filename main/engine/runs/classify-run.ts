import { join } from 'node:path';
import type { ClassifyTrainArgs } from '../../common/contracts/api.ts';
import { toErrorData } from '../../common/contracts/errors.ts';
import type { RunManifest } from '../../common/contracts/runs.ts';
import { applySet } from '../config/load.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { CandidateReport, CrossValidationResult, TrainClassifierResult } from '../classify/classify.ts';
import { parseClassifyParams, type ClassifierModel, type ConcreteModel } from '../classify/params.ts';
import { checkClassifierData, type DataSource } from '../classify/prepare.ts';
import { PACKAGE_VERSION } from '../common/version.ts';
import { createRun, readManifest, RUN_ID, runDir, saveManifest, writeJson } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface ClassifyRunResult {
  runId: string;
  runDir: string;
  /** the model trained; with auto, the one chosen */
  model: ConcreteModel;
  /** auto: every candidate with its validation scores and time ("why this model") */
  candidates: CandidateReport[] | null;
  metrics: TrainClassifierResult['metrics'];
  baseline: TrainClassifierResult['metrics'];
  /** k-fold cross-validation: mean, spread, min and max of every metric over the folds */
  cv?: CrossValidationResult['summary'];
}

export interface ClassifierJob {
  data: DataSource;
  textCol?: string;
  labelCol?: string;
  model?: ClassifierModel;
  params: Record<string, unknown>;
  outDir: string;
}

export interface ClassifierTrainer {
  train(job: ClassifierJob, ctx: TaskContext): Promise<TrainClassifierResult>;
  crossValidate(job: ClassifierJob, nSplits: number, ctx: TaskContext): Promise<CrossValidationResult>;
}

/** `--set train.epochs=5` style overrides → the classifier's params object. */
export function classifyParams(set: readonly string[] | undefined): Record<string, unknown> {
  return (set ?? []).reduce<Record<string, unknown>>((params, assignment) => applySet(params, assignment), {});
}

/**
 * A classifier run: a run folder like any other (manifest, metrics), its model under `<model>/`.
 * Classifier runs never move LATEST, which names the recommender run that serves.
 */
export async function classifyRun(args: ClassifyTrainArgs, paths: WorkspacePaths, trainer: ClassifierTrainer, ctx: TaskContext): Promise<ClassifyRunResult> {
  const model = args.model ?? 'auto';
  const params = classifyParams(args.set);
  if (typeof params.compareTo === 'string' && RUN_ID.test(params.compareTo))
    params.compareTo = join(runDir(paths, params.compareTo), readManifest(paths, params.compareTo).stages[0]?.name ?? model);
  const { embedding: _embedding, ...trainParams } = params;
  // bad input fails here, before a run folder exists; training goes on with the rows read
  const data = checkClassifierData(args.data, parseClassifyParams({ ...trainParams, model }), args.textCol, args.labelCol, args.cv);
  const manifest = createRun(paths, (runId): RunManifest => ({
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
  }));
  const { runId } = manifest;
  const dir = runDir(paths, runId);
  const stage = manifest.stages[0]!;
  try {
    const t0 = performance.now();
    const job: ClassifierJob = {
      data,
      model,
      params,
      outDir: join(dir, model),
      ...(args.textCol ? { textCol: args.textCol } : {}),
      ...(args.labelCol ? { labelCol: args.labelCol } : {}),
    };
    const result = await trainer.train(job, ctx);
    const cv = args.cv ? await trainer.crossValidate(job, args.cv, ctx) : null;
    if (cv) writeJson(join(job.outDir, 'cv.json'), cv);
    stage.seconds = (performance.now() - t0) / 1000;
    stage.status = 'succeeded';
    stage.effective = {
      model: result.model,
      ...(result.encoder ? { encoder: result.encoder } : {}),
      epochs: result.training.epochs,
      bestEpoch: result.training.bestEpoch,
      examplesPerSec: result.training.examplesPerSec,
      ...(result.candidates ? { candidates: result.candidates } : {}),
    };
    manifest.timings[model] = stage.seconds;
    manifest.status = 'succeeded';
    manifest.finishedAt = new Date().toISOString();
    saveManifest(paths, manifest);
    return {
      runId,
      runDir: dir,
      model: result.model,
      candidates: result.candidates,
      metrics: result.metrics,
      baseline: result.baseline,
      ...(cv ? { cv: cv.summary } : {}),
    };
  } catch (err) {
    manifest.error = toErrorData(err);
    manifest.status = manifest.error.kind === 'cancelled' ? 'cancelled' : 'failed';
    stage.status = manifest.status;
    manifest.finishedAt = new Date().toISOString();
    saveManifest(paths, manifest);
    throw err;
  }
}
