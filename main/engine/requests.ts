import { resolveConfig } from './config/load.ts';
import type { EngineApi, RecommendedItem } from '../common/contracts/api.ts';
import { EngineError } from '../common/contracts/errors.ts';
import type { RunMetrics } from '../common/contracts/runs.ts';
import { postgresTarget } from './data/postgres-source.ts';
import { previewFile } from './data/preview.ts';
import { METRIC_DEFINITIONS } from './eval/metric-definitions.ts';
import { readPerUserCsv } from './eval/per-user.ts';
import type { Emit } from './events.ts';
import type { JobRunner } from './jobs/runner.ts';
import { similarItems } from './recsys/als/als.ts';
import { itemNeighbours } from './recsys/itemknn/itemknn.ts';
import { recommendFor, itemLabels, type ServingRun } from './recsys/recommend.ts';
import type { SemanticIndex } from './recsys/semantic.ts';
import { join } from 'node:path';
import { silentContext } from './common/task-context.ts';
import { loadClassifierWithEmbedding } from './runs/classifier-embedding.ts';
import { compareModels } from './runs/compare-models.ts';
import {
  deleteRun,
  setRunNote,
  latestClassifierRun,
  latestRunId,
  listRuns,
  promoteRun,
  readManifest,
  resolveRunId,
  runDir,
  showRun,
  summarizeRun,
} from './runs/registry.ts';
import type { LoadedClassifier } from './classify/classify.ts';
import { LeaseCache } from './runs/lease-cache.ts';
import { newestRunServing } from './runs/promotion.ts';
import { runDatasetId } from './runs/run-dataset.ts';
import { loadServingRun } from './runs/serving.ts';
import type { WorkspacePaths } from './runs/workspace.ts';
import { listDatasetUsers } from './store/dataset-users.ts';
import { getProfile, previewPreparation } from './store/datasets.ts';
import type { Db } from './store/db.ts';
import { forgetRunStages } from './store/stage-cache.ts';
import { PACKAGE_VERSION } from './common/version.ts';

/** How many runs stay loaded for serving at once. */
const SERVED_RUNS = 3;

interface Deps {
  paths: WorkspacePaths;
  db: Db;
  runner: JobRunner;
  emit: Emit;
  threads: number;
}

/**
 * The request map: quick requests answer in-process; long work becomes a job in the worker pool.
 * `dispose` releases what serving holds open (the semantic index and its query encoder).
 */
export function createRequestHandlers({ paths, db, runner, emit, threads }: Deps): { api: EngineApi; dispose(): Promise<void> } {
  // Several runs serve at once (two tabs, Sandbox on an older run, comparisons); each request leases its run.
  const serving = new LeaseCache<ServingRun>(
    (runId) => loadServingRun(paths, db, runId),
    (run) => run.release(),
    SERVED_RUNS,
  );
  let classifier: { runId: string; model: LoadedClassifier } | null = null;
  const withRun = <R>(ref: string | undefined, use: (run: ServingRun) => R | Promise<R>): Promise<R> => serving.use(resolveRunId(paths, ref), use);
  /** A trained stage whose artifacts are gone fails with the reason, naming the file. */
  const checkLoaded = (run: ServingRun, stage: string): void => {
    const why = run.unavailable.get(stage);
    if (why) throw why;
  };
  const semanticIndex = (run: ServingRun): SemanticIndex => {
    checkLoaded(run, 'semantic');
    if (!run.semantic) throw missingStage(run.runId, 'semantic', 'semantic index', 'train with --stages semantic');
    return run.semantic;
  };
  /** A run that lacks a stage names the newest run that has it, so the user can ask that one. */
  const missingStage = (runId: string, stage: string, what: string, otherwise: string): EngineError => {
    const other = newestRunServing(paths, stage, runId);
    return new EngineError('invalid-input', `run ${runId} has no ${what}${other ? `; run ${other} has one: ask it instead` : `: ${otherwise}`}`, {
      field: 'run',
      ...(other ? { runWithStage: other } : {}),
    });
  };
  const titled = (run: ServingRun, item: string, score: number): RecommendedItem => ({ item, score, ...itemLabels(run, item) });
  const runsChanged = (runId: string): void => emit('runs.changed', { runId });
  runner.onFinished((info) => {
    if (info.kind === 'train' || info.kind === 'classify.train') {
      const runId = (info.result as { runId?: string } | undefined)?.runId;
      if (runId) runsChanged(runId);
    }
  });

  const api: EngineApi = {
    'workspace.info': async () => ({ path: paths.root, latestRunId: latestRunId(paths), threads, version: PACKAGE_VERSION }),
    'data.generate': async (arg) => ({ jobId: runner.start('data.generate', `generate sample into ${arg.out}`, arg).jobId }),
    'data.import': async (arg) => {
      if (!arg.interactions && !arg.items && !arg.source)
        throw new EngineError('invalid-input', 'nothing to import: give an interaction file, an item catalogue, or both');
      // the label is shown and listed: a source appears without its password
      const from = [arg.interactions, arg.items, arg.source && postgresTarget(arg.source.url).label].filter(Boolean);
      return { jobId: runner.start('data.import', `import ${from.join(' + ')}`, arg).jobId };
    },
    'data.profile': async (arg) => getProfile(db, arg?.datasetId),
    'data.preview': async ({ file, kind }) => previewFile(file, kind),
    'data.previewPreparation': async (arg) => previewPreparation(db, arg, silentContext()),
    'data.users': async ({ run, query, limit }) => {
      const runId = resolveRunId(paths, run);
      const dataset = readManifest(paths, runId).dataset;
      if (!dataset) throw new EngineError('invalid-input', `run ${runId} has no interaction dataset: pick a recommender run`, { field: 'run' });
      return listDatasetUsers(db, runDatasetId(db, runId, dataset), { ...(query === undefined ? {} : { query }), ...(limit === undefined ? {} : { limit }) });
    },
    'train.start': async (arg) => ({ jobId: runner.start('train', 'train', arg).jobId }),
    'jobs.list': async () => runner.list(),
    'jobs.get': async ({ jobId }) => runner.get(jobId),
    'jobs.cancel': async ({ jobId }) => ({ cancelled: runner.cancel(jobId) }),
    'runs.list': async () => listRuns(paths),
    'runs.show': async ({ run }) => showRun(paths, resolveRunId(paths, run)),
    'runs.promote': async ({ run }) => {
      const runId = resolveRunId(paths, run);
      promoteRun(paths, runId);
      runsChanged(runId);
      return summarizeRun(paths, runId);
    },
    'runs.delete': async ({ run }) => {
      const runId = resolveRunId(paths, run);
      deleteRun(paths, runId);
      forgetRunStages(db, runId);
      serving.evict(runId);
      runsChanged(runId);
      return { deleted: runId };
    },
    'config.resolve': async ({ configPath }) => ({ config: resolveConfig({ configPath }).config }),
    'runs.note': async ({ run, note }) => {
      const runId = resolveRunId(paths, run);
      setRunNote(paths, runId, note);
      runsChanged(runId);
      return summarizeRun(paths, runId);
    },
    'eval.run': async (arg) => {
      const job = runner.start('eval', arg.recommendations ? `score ${arg.recommendations} on ${arg.run}` : `evaluate ${arg.run}`, arg);
      const done = await runner.wait(job.jobId);
      if (done.state !== 'succeeded') throw EngineError.fromData(done.error ?? { kind: 'internal', message: `evaluation ${done.state}` });
      // outside lists are added to the run's metrics.json
      if (arg.recommendations) runsChanged(resolveRunId(paths, arg.run));
      return done.result as RunMetrics;
    },
    'eval.perUser': async ({ run, model }) => {
      const runId = resolveRunId(paths, run);
      return readPerUserCsv(runDir(paths, runId), runId, model);
    },
    'eval.compare': async (arg) => compareModels(paths, arg),
    'eval.definitions': async () => [...METRIC_DEFINITIONS],
    recommend: async (arg) => withRun(arg.run, (run) => recommendFor(run, arg)),
    similar: async (arg) =>
      withRun(arg.run, (run) => {
        const k = arg.k ?? 10;
        const by = arg.by ?? (run.trained.has('als') || run.trained.has('itemknn') ? 'cf' : 'content');
        if (by === 'content')
          return semanticIndex(run)
            .similar(arg.item, k)
            .map((h) => titled(run, h.item, h.score));
        // co-interaction: ALS item factors, or ItemKNN's neighbours in a run without ALS
        if (!run.trained.has('als') && run.trained.has('itemknn')) {
          checkLoaded(run, 'itemknn');
          const i = run.itemIndex.get(arg.item);
          if (i === undefined) throw new EngineError('not-found', `item ${arg.item} is not in the catalogue of run ${run.runId}`);
          return itemNeighbours(run.itemknn!, i, k).map((s) => titled(run, run.itemIds[s.item]!, s.score));
        }
        checkLoaded(run, 'als');
        if (!run.als) throw missingStage(run.runId, 'als', 'als stage (similar items by co-interaction come from its item factors)', 'train with --stages als');
        const i = run.itemIndex.get(arg.item);
        if (i === undefined) throw new EngineError('not-found', `item ${arg.item} is not in the catalogue of run ${run.runId}`);
        return similarItems(run.als, i, k).map((s) => titled(run, run.itemIds[s.item]!, s.score));
      }),
    search: async (arg) =>
      withRun(arg.run, async (run) => {
        const { hits, query } = await semanticIndex(run).search(arg.query, arg.k ?? 10, arg.filters);
        return { results: hits.map((h) => ({ item: h.item, score: h.score, metadata: h.metadata })), query };
      }),
    'classify.train': async (arg) => ({ jobId: runner.start('classify.train', `classify ${arg.model ?? 'auto'} ${arg.data}`, arg).jobId }),
    'classify.predict': async ({ run, text }) => {
      const runId = run === 'latest' || !run ? latestClassifierRun(paths) : resolveRunId(paths, run);
      const manifest = readManifest(paths, runId);
      if (manifest.kind !== 'classifier' || manifest.status !== 'succeeded')
        throw new EngineError('invalid-input', `run ${runId} is not a succeeded classifier run`);
      if (classifier?.runId !== runId) {
        classifier = { runId, model: await loadClassifierWithEmbedding(join(runDir(paths, runId), manifest.stages[0]!.name), silentContext()) };
      }
      return classifier.model.predict(text);
    },
  };
  return { api, dispose: () => serving.closeAll() };
}
