import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetProfile, TrainArgs, TrainResult } from '../contracts/api.ts';
import { EngineError, throwIfCancelled, toErrorData } from '../contracts/errors.ts';
import type { RunManifest, StageRecord } from '../contracts/runs.ts';
import { resolveConfig } from '../config/load.ts';
import type { StageName, TrainyardConfig } from '../config/schema.ts';
import { parseTimestamp } from '../data/columns.ts';
import type { InteractionTable } from '../data/types.ts';
import { evaluateInParallel, type ModelEvaluation } from '../eval/evaluate.ts';
import { writePerUserCsv, toRunMetrics } from '../eval/report.ts';
import { splitInteractions, type Split } from '../eval/split.ts';
import type { TaskContext } from '../jobs/context.ts';
import { MODEL_STAGES, type ModelStage } from '../recsys/stages.ts';
import type { Db } from '../store/db.ts';
import { getProfile, importDataset, loadInteractions } from '../store/datasets.ts';
import { findCachedStage, recordCachedStage } from '../store/stage-cache.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { stageCacheKey } from './cache-key.ts';
import { saveIds } from './arrays.ts';
import { createRun, newRunId, promoteRun, runDir, saveManifest, writeJson } from './registry.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface TrainEnv {
  paths: WorkspacePaths;
  db: Db;
  /** threads a stage may use */
  threads: number;
}

/** Popularity is always trained and evaluated beside every model, so each run has its baseline. */
function stagesToRun(config: TrainyardConfig): StageName[] {
  const stages = new Set<StageName>(config.stages);
  if ([...stages].some((s) => s !== 'semantic')) stages.add('popularity');
  return [...stages].sort((a, b) => (a === 'popularity' ? -1 : b === 'popularity' ? 1 : 0));
}

async function datasetFor(config: TrainyardConfig, db: Db, ctx: TaskContext): Promise<DatasetProfile> {
  const { interactions, items, map } = config.data;
  if (interactions || items) return importDataset(db, { ...(interactions ? { interactions } : {}), ...(items ? { items } : {}), map }, ctx);
  const latest = getProfile(db);
  if (!latest) {
    throw new EngineError('invalid-input', 'no data to train on', {
      hint: 'pass --interactions FILE (and --items FILE), set data.interactions in trainyard.yaml, or run `trainyard data import FILE` first',
    });
  }
  return latest;
}

function cutoffSeconds(cutoff: string | number | null): number | undefined {
  if (cutoff === null) return undefined;
  const seconds = typeof cutoff === 'number' ? cutoff : parseTimestamp(cutoff);
  if (!Number.isFinite(seconds)) throw new EngineError('invalid-input', `split.cutoff: ${cutoff} is not a date or epoch seconds`, { field: 'split.cutoff' });
  return seconds;
}

/** Hard-links (or copies, across devices) a cached stage artifact into this run. */
function reuseArtifact(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    try {
      linkSync(join(from, name), join(to, name));
    } catch {
      copyFileSync(join(from, name), join(to, name));
    }
  }
}

/**
 * One training run: import (or reuse) the dataset, split it by time, train or reuse each stage,
 * evaluate every model with full ranking, write the run folder completely, then move LATEST.
 * A failure or cancellation leaves the run listed with its error and LATEST where it was.
 */
export async function trainRun(args: TrainArgs, env: TrainEnv, ctx: TaskContext): Promise<TrainResult> {
  const { given, config } = resolveConfig(args);
  const profile = await datasetFor(config, env.db, ctx);
  const runId = newRunId(env.paths);
  const dir = runDir(env.paths, runId);
  const stages = stagesToRun(config);
  const threads = config.threads || env.threads;
  const manifest: RunManifest = {
    runId,
    status: 'running',
    createdAt: new Date().toISOString(),
    packageVersion: PACKAGE_VERSION,
    config: given,
    resolvedParams: { ...config, threads },
    dataset: { id: profile.datasetId, fingerprint: profile.fingerprint, users: profile.users, items: profile.items, interactions: profile.interactions },
    split: null,
    stages: stages.map((name): StageRecord => ({ name, status: 'pending' })),
    timings: {},
  };
  createRun(env.paths, manifest);
  ctx.log('info', `run ${runId}: stages ${stages.join(', ')}`);
  const newCacheEntries: { key: string; stage: string }[] = [];
  try {
    const table = loadInteractions(env.db, profile.datasetId);
    if (table.user.length === 0) throw new EngineError('invalid-input', 'the dataset has no interactions: recommender stages need an interaction log', { hint: 'pass --interactions FILE' });
    const split = splitFor(table, config);
    manifest.split = {
      method: config.split.method,
      trainEvents: split.train.user.length,
      testUsers: split.test.users.length,
      skippedUsers: split.skippedUsers,
      repeatOnlyUsers: split.repeatOnlyUsers,
      droppedAfterCutoff: split.droppedAfterCutoff,
    };
    saveIds(join(dir, 'users.txt'), table.userIds);
    saveIds(join(dir, 'items.txt'), table.itemIds);
    saveManifest(env.paths, manifest);

    const evaluations: Record<string, ModelEvaluation> = {};
    for (const record of manifest.stages) {
      throwIfCancelled(ctx.signal);
      const stage = MODEL_STAGES[record.name as StageName];
      if (!stage) throw new EngineError('invalid-input', `stage ${record.name} is not available in this version`, { field: 'stages' });
      const key = stageCacheKey({
        stage: stage.name,
        version: PACKAGE_VERSION,
        dataset: profile.fingerprint,
        inputs: { split: config.split },
        params: stage.params(config),
      });
      record.cacheKey = key;
      const stageDir = join(dir, stage.name);
      const cachedRun = findCachedStage(env.db, key);
      const cachedDir = cachedRun ? join(runDir(env.paths, cachedRun), stage.name) : null;
      if (cachedRun && cachedDir && existsSync(cachedDir)) {
        reuseArtifact(cachedDir, stageDir);
        Object.assign(record, { status: 'cached', cachedFrom: cachedRun });
        ctx.log('info', `${stage.name}: reused the artifact of ${cachedRun} (same data and params)`);
      } else {
        record.status = 'running';
        saveManifest(env.paths, manifest);
        mkdirSync(stageDir, { recursive: true });
        const t0 = performance.now();
        record.effective = await stage.train({ split, itemIds: table.itemIds, config, threads }, stageDir, ctx);
        record.seconds = (performance.now() - t0) / 1000;
        manifest.timings[stage.name] = record.seconds;
        record.status = 'succeeded';
        newCacheEntries.push({ key, stage: stage.name });
      }
      saveManifest(env.paths, manifest);
      evaluations[stage.name] = await evaluateStage(stage, stageDir, split, config, ctx);
      writePerUserCsv(join(stageDir, 'per_user.csv'), evaluations[stage.name]!, table.userIds);
    }
    const metrics = toRunMetrics(evaluations);
    writeJson(join(dir, 'metrics.json'), metrics);
    manifest.status = 'succeeded';
    manifest.finishedAt = new Date().toISOString();
    saveManifest(env.paths, manifest);
    for (const e of newCacheEntries) recordCachedStage(env.db, e.key, e.stage, runId);
    promoteRun(env.paths, runId);
    ctx.log('info', `run ${runId} succeeded and is now LATEST`);
    return { runId, runDir: dir, metrics: metrics.models, timings: manifest.timings };
  } catch (err) {
    const error = toErrorData(err);
    manifest.status = error.kind === 'cancelled' ? 'cancelled' : 'failed';
    manifest.error = error;
    manifest.finishedAt = new Date().toISOString();
    for (const s of manifest.stages) if (s.status === 'running' || s.status === 'pending') s.status = error.kind === 'cancelled' ? 'cancelled' : s.status === 'running' ? 'failed' : 'skipped';
    saveManifest(env.paths, manifest);
    throw err;
  }
}

export function splitFor(table: InteractionTable, config: TrainyardConfig): Split {
  const cutoff = cutoffSeconds(config.split.cutoff);
  return splitInteractions(table, { method: config.split.method, minUserEvents: config.split.minUserEvents, ...(cutoff !== undefined ? { cutoff } : {}) });
}

/** Full-ranking evaluation of a stage's artifact; ranking runs on a second thread while the next batch is scored. */
export function evaluateStage(stage: ModelStage, stageDir: string, split: Split, config: TrainyardConfig, ctx: TaskContext): Promise<ModelEvaluation> {
  return evaluateInParallel(stage.scorer(stageDir), split, { ks: config.eval.ks, stage: `evaluate ${stage.name}` }, ctx);
}
