import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetProfile, TrainArgs, TrainResult } from '../../common/contracts/api.ts';
import { EngineError, throwIfCancelled, toErrorData } from '../../common/contracts/errors.ts';
import type { RunManifest, RunTuning, StageRecord } from '../../common/contracts/runs.ts';
import { resolveConfig } from '../config/load.ts';
import type { StageName, TrainyardConfig } from '../config/schema.ts';
import { parseTimestamp } from '../data/columns.ts';
import type { InteractionTable } from '../data/types.ts';
import { evaluateInParallel, type ModelEvaluation } from '../eval/evaluate.ts';
import { writePerUserCsv, toRunMetrics } from '../eval/report.ts';
import { splitInteractions, type Split } from '../eval/split.ts';
import type { TaskContext } from '../common/task-context.ts';
import { STAGE_ORDER, stageByName, type ModelStage, type StageInput } from '../recsys/stages.ts';
import type { Db } from '../store/db.ts';
import { getProfile, importDataset, loadCatalog, loadInteractions } from '../store/datasets.ts';
import { findCachedStage, recordCachedStage } from '../store/stage-cache.ts';
import { PACKAGE_VERSION } from '../common/version.ts';
import { codeFingerprint } from '../common/code-fingerprint.ts';
import { stageCacheKey } from './cache-key.ts';
import { saveIds } from '../common/arrays.ts';
import { checkFiniteArtifact } from './finite-check.ts';
import { SEARCH_SPACES } from '../tune/space.ts';
import { tuneStages, withTunedParams, type TuneResult } from '../tune/tune.ts';
import { decidePromotion } from './promotion.ts';
import { createRun, promoteRun, runDir, saveManifest, writeJson } from './registry.ts';
import { writeSplitArtifact } from './split-artifact.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface TrainEnv {
  paths: WorkspacePaths;
  db: Db;
  /** threads a stage may use */
  threads: number;
}

/**
 * The stages a run trains, in order: the requested ones, the stages they build on, and popularity
 * beside every interaction model so each run has its baseline. A catalogue-only run has no
 * interactions, so only catalogue stages can run.
 */
function stagesToRun(config: TrainyardConfig, hasInteractions: boolean): ModelStage[] {
  const wanted = new Set<StageName>(config.stages);
  for (const name of config.stages) for (const dep of stageByName(name).after(config)) wanted.add(dep);
  if (hasInteractions) wanted.add('popularity');
  const stages = STAGE_ORDER.filter((s) => wanted.has(s.name));
  const needsLog = stages.filter((s) => s.needs === 'interactions' && !hasInteractions);
  if (needsLog.length) {
    throw new EngineError('invalid-input', `the dataset has no interactions, which stages ${needsLog.map((s) => s.name).join(', ')} need`, {
      field: 'stages',
      hint: 'pass --interactions FILE, or train only the semantic stage on a catalogue (--stages semantic)',
    });
  }
  return stages;
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
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    try {
      linkSync(join(from, name), join(to, name));
    } catch {
      copyFileSync(join(from, name), join(to, name));
    }
  }
}

/** The progress label of the whole run: stages done of stages planned. */
export const RUN_PROGRESS = 'run';

/** Refuses to publish a run whose folder lost files while it trained (deleted or moved from outside). */
function checkRunFolderComplete(dir: string, runId: string, stages: readonly ModelStage[]): void {
  const missing = ['manifest.json', 'users.txt', 'items.txt', ...stages.map((s) => s.name)].filter((name) => !existsSync(join(dir, name)));
  if (missing.length) {
    throw new EngineError('conflict', `run ${runId} lost ${missing.join(', ')} while it trained (was its folder deleted?); it is not published`, {
      run: runId,
    });
  }
}

/**
 * One training run: import (or reuse) the dataset, split it by time, train or reuse each stage,
 * evaluate every model with full ranking, write the run folder completely, then move LATEST.
 * A failure or cancellation leaves the run listed with its error and LATEST where it was.
 */
export async function trainRun(args: TrainArgs, env: TrainEnv, ctx: TaskContext): Promise<TrainResult> {
  const resolved = resolveConfig(args);
  const { given } = resolved;
  let config = resolved.config;
  const profile = await datasetFor(config, env.db, ctx);
  const hasInteractions = profile.interactions > 0;
  const stages = stagesToRun(config, hasInteractions);
  const threads = config.threads || env.threads;
  const manifest = createRun(env.paths, (runId): RunManifest => ({
    runId,
    status: 'running',
    createdAt: new Date().toISOString(),
    packageVersion: PACKAGE_VERSION,
    config: given,
    resolvedParams: { ...config, threads },
    dataset: { id: profile.datasetId, fingerprint: profile.fingerprint, users: profile.users, items: profile.items, interactions: profile.interactions },
    split: null,
    stages: stages.map((s): StageRecord => ({ name: s.name, status: 'pending' })),
    timings: {},
  }));
  const { runId } = manifest;
  const dir = runDir(env.paths, runId);
  ctx.log('info', `run ${runId}: stages ${stages.map((s) => s.name).join(', ')}`);
  const newCacheEntries: { key: string; stage: string }[] = [];
  try {
    const table = await loadInteractions(env.db, profile.datasetId);
    const split = hasInteractions ? splitFor(table, config) : null;
    if (split) {
      manifest.split = {
        method: config.split.method,
        ties: split.ties,
        seed: split.seed,
        tiedBoundaryUsers: split.tiedBoundaryUsers,
        trainEvents: split.train.user.length,
        testUsers: split.test.users.length,
        skippedUsers: split.skippedUsers,
        repeatOnlyUsers: split.repeatOnlyUsers,
        droppedAfterCutoff: split.droppedAfterCutoff,
      };
    }
    const catalog = await loadCatalog(env.db, profile.datasetId);
    saveIds(join(dir, 'users.txt'), table.userIds);
    saveIds(join(dir, 'items.txt'), table.itemIds);
    if (split)
      writeSplitArtifact(dir, split, table, {
        dataset: { id: profile.datasetId, fingerprint: profile.fingerprint },
        minUserEvents: config.split.minUserEvents,
      });
    const tuneStagesOf = tunedStages(config, stages);
    if (split && tuneStagesOf.length) {
      // The tuner gets the training events only: the test part cannot reach it.
      const tuned = await tuneStages(
        split.train,
        { userIds: table.userIds, itemIds: table.itemIds, catalog, threads },
        config,
        { ...config.tune, stages: tuneStagesOf },
        join(dir, 'tune-trials'),
        ctx,
      );
      config = withTunedParams(config, tuned);
      manifest.resolvedParams = { ...config, threads };
      manifest.tuning = tuningSummary(tuned, config.tune.trials);
    }
    const input: StageInput = { split, userIds: table.userIds, itemIds: table.itemIds, catalog, config, threads, runDir: dir };
    saveManifest(env.paths, manifest);

    const evaluations: Record<string, ModelEvaluation> = {};
    for (const [index, stage] of stages.entries()) {
      throwIfCancelled(ctx.signal);
      ctx.progress({ stage: RUN_PROGRESS, current: index, total: stages.length, unit: 'stage', metrics: {} });
      const record = manifest.stages[index]!;
      const key = stageCacheKey({
        stage: stage.name,
        code: codeFingerprint(),
        dataset: profile.fingerprint,
        inputs: { split: splitSettings(config), after: stage.after(config).map((name) => manifest.stages.find((r) => r.name === name)?.cacheKey) },
        params: stage.params(config, threads),
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
        mkdirSync(stageDir);
        const t0 = performance.now();
        record.effective = await stage.train(input, stageDir, ctx);
        checkFiniteArtifact(stageDir, stage.name);
        record.seconds = (performance.now() - t0) / 1000;
        manifest.timings[stage.name] = record.seconds;
        record.status = 'succeeded';
        newCacheEntries.push({ key, stage: stage.name });
      }
      saveManifest(env.paths, manifest);
      if (split) {
        evaluations[stage.name] = await evaluateStage(stage, stageDir, { ...input, split }, ctx);
        writePerUserCsv(join(stageDir, 'per_user.csv'), evaluations[stage.name]!, split.test, table.userIds, table.itemIds);
      }
    }
    ctx.progress({ stage: RUN_PROGRESS, current: stages.length, total: stages.length, unit: 'stage', metrics: {} });
    checkRunFolderComplete(dir, runId, stages);
    const metrics = split ? toRunMetrics(evaluations) : null;
    if (metrics) writeJson(join(dir, 'metrics.json'), metrics);
    manifest.status = 'succeeded';
    manifest.finishedAt = new Date().toISOString();
    saveManifest(env.paths, manifest);
    for (const e of newCacheEntries) recordCachedStage(env.db, e.key, e.stage, runId);
    const promotion = decidePromotion(env.paths, manifest, config.promote);
    if (promotion.promote) promoteRun(env.paths, runId);
    ctx.log('info', `run ${runId} succeeded${promotion.promote ? ' and is now LATEST' : ''}: ${promotion.reason}`);
    return { runId, runDir: dir, metrics: metrics?.models ?? {}, timings: manifest.timings, promoted: promotion.promote, promotion: promotion.reason };
  } catch (err) {
    const error = toErrorData(err);
    manifest.status = error.kind === 'cancelled' ? 'cancelled' : 'failed';
    manifest.error = error;
    manifest.finishedAt = new Date().toISOString();
    for (const s of manifest.stages)
      if (s.status === 'running' || s.status === 'pending') s.status = error.kind === 'cancelled' ? 'cancelled' : s.status === 'running' ? 'failed' : 'skipped';
    if (existsSync(dir)) saveManifest(env.paths, manifest);
    throw err;
  }
}

/** The stages whose params this run tunes: tune.stages, or under auto every tunable stage it trains. */
function tunedStages(config: TrainyardConfig, stages: readonly ModelStage[]): string[] {
  const training = stages.map((s) => s.name as string);
  if (config.tune.stages === 'auto') return training.filter((s) => SEARCH_SPACES[s]);
  const missing = config.tune.stages.filter((s) => !training.includes(s));
  if (missing.length)
    throw new EngineError('invalid-input', `tune.stages: ${missing.join(', ')} not among the stages this run trains (${training.join(', ')})`, {
      field: 'tune.stages',
    });
  return config.tune.stages;
}

function tuningSummary(result: TuneResult, trialsPerStage: number): RunTuning {
  const best = Object.fromEntries(
    Object.entries(result.best).map(([stage, t]) => [stage, { trial: t.trial, params: t.params, ndcg10: t.ndcg10, recall10: t.recall10 }]),
  );
  const stages = Object.keys(result.best);
  const ranges = Object.fromEntries(stages.map((s) => [s, SEARCH_SPACES[s]!.map(({ key, low, high, log }) => ({ key, low, high, log }))]));
  return {
    stages,
    trialsPerStage,
    validation: result.validation,
    best,
    trials: result.trials,
    ranges,
    ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
  };
}

export function splitFor(table: InteractionTable, config: TrainyardConfig): Split {
  const cutoff = cutoffSeconds(config.split.cutoff);
  const { method, minUserEvents, ties } = config.split;
  return splitInteractions(table, { method, minUserEvents, ties, seed: config.seed, ...(cutoff !== undefined ? { cutoff } : {}) });
}

/** Everything the split depends on, for stage cache keys: the seed only where it breaks ties. */
function splitSettings(config: TrainyardConfig): unknown {
  return config.split.ties === 'random' ? { ...config.split, seed: config.seed } : config.split;
}

/** Full-ranking evaluation of a stage's artifact; ranking runs on a second thread while the next batch is scored. */
export function evaluateStage(stage: ModelStage, stageDir: string, input: StageInput & { split: Split }, ctx: TaskContext): Promise<ModelEvaluation> {
  return evaluateInParallel(stage.scorer(stageDir, input), input.split, { ks: input.config.eval.ks, stage: `evaluate ${stage.name}` }, ctx);
}
