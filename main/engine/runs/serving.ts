import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineError, toErrorData } from '../../common/contracts/errors.ts';
import { configSchema } from '../config/schema.ts';
import { confidenceMinusOne, createAlsScorer, loadAls } from '../recsys/als/als.ts';
import { loadEase } from '../recsys/ease/ease.ts';
import { loadItemKnn } from '../recsys/itemknn/itemknn.ts';
import { createPopularityScorer, loadPopularity } from '../recsys/popularity.ts';
import type { ServingRun, UserHistory } from '../recsys/recommend.ts';
import { itemVectorsInOrder, openSemanticIndex } from '../recsys/semantic.ts';
import { readHybridBlend } from '../recsys/stages.ts';
import { silentContext } from '../common/task-context.ts';
import { readManifest, runDir } from './registry.ts';
import { readServingDatasetOffThread } from './serving-dataset.ts';
import { openUserEvents } from '../store/dataset-files.ts';
import type { Db } from '../store/db.ts';
import type { WorkspacePaths } from './workspace.ts';

function indexOf(ids: readonly string[]): Map<string, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

/** Why a trained stage cannot serve, naming the artifact that is missing or unreadable. */
function unavailableStage(root: string, runId: string, stage: string, err: unknown): EngineError {
  const { code, path } = err as NodeJS.ErrnoException;
  if (code === 'ENOENT' && typeof path === 'string') {
    return new EngineError('not-found', `run ${runId}: the ${stage} model is missing ${relative(root, path)}`, { file: path, run: runId, stage });
  }
  const { kind, message, details } = toErrorData(err);
  return new EngineError(kind, `run ${runId}: the ${stage} model cannot be loaded (${message})`, { ...details, run: runId, stage });
}

/**
 * Loads a succeeded run for serving: its id maps and titles are read in a worker thread, its models
 * here; a user's history is read from the dataset's file when a request asks for it.
 */
export async function loadServingRun(paths: WorkspacePaths, db: Db, runId: string): Promise<ServingRun> {
  const manifest = readManifest(paths, runId);
  if (manifest.status !== 'succeeded') throw new EngineError('conflict', `run ${runId} is ${manifest.status}: only succeeded runs can serve`);
  if (!manifest.dataset) throw new EngineError('invalid-input', `run ${runId} is not a recommender run`);
  const dir = runDir(paths, runId);
  const config = configSchema.parse({ ...(manifest.resolvedParams as Record<string, unknown>), threads: 0 });
  const { datasetId, userIds, itemIds, datasetUser, runItem, titles, categories } = await readServingDatasetOffThread({
    dbPath: paths.db,
    dir,
    runId,
    dataset: manifest.dataset,
  });
  const events = await openUserEvents(db, datasetId);
  const historyOf = async (user: number): Promise<UserHistory> => {
    const u = datasetUser[user] ?? -1;
    if (u < 0) return { items: new Int32Array(0), ts: new Float64Array(0) };
    const read = await events.of(u);
    // into the run's item indices (the same as the dataset's for every run trained on it), ascending
    const order = Array.from(read.items, (_, k) => k).filter((k) => runItem[read.items[k]!]! >= 0);
    order.sort((a, b) => runItem[read.items[a]!]! - runItem[read.items[b]!]!);
    return { items: Int32Array.from(order, (k) => runItem[read.items[k]!]!), ts: Float64Array.from(order, (k) => read.ts[k]!) };
  };
  const userIndex = indexOf(userIds);
  const itemIndex = indexOf(itemIds);

  const trained = new Set(manifest.stages.map((s) => s.name));
  const unavailable = new Map<string, EngineError>();
  /** Loads a trained stage's model; one whose artifacts are gone is recorded as unavailable, with why. */
  const load = <T>(stage: string, from: (stageDir: string) => T): T | null => {
    if (!trained.has(stage)) return null;
    try {
      const stageDir = join(dir, stage);
      if (!existsSync(stageDir)) throw Object.assign(new Error('no such folder'), { code: 'ENOENT', path: stageDir });
      return from(stageDir);
    } catch (err) {
      unavailable.set(stage, unavailableStage(paths.root, runId, stage, err));
      return null;
    }
  };
  const scorers: ServingRun['scorers'] = {};
  for (const name of ['popularity', 'bayes-popularity'] as const) {
    const model = load(name, loadPopularity);
    if (model) scorers[name] = createPopularityScorer(model);
  }
  const als = load('als', loadAls);
  if (als) scorers.als = createAlsScorer(als);
  const itemknn = load('itemknn', loadItemKnn);
  const ease = load('ease', loadEase);
  const semantic = load('semantic', (stageDir) => openSemanticIndex(stageDir, silentContext(), { embedInWorker: true }));
  let content: ServingRun['content'] = null;
  if (semantic) {
    try {
      content = { ...itemVectorsInOrder(semantic, itemIds), dimensions: semantic.info.dimensions };
    } catch (err) {
      void semantic.close();
      unavailable.set('semantic', unavailableStage(paths.root, runId, 'semantic', err));
    }
  }
  return {
    runId,
    userIds,
    itemIds,
    userIndex,
    itemIndex,
    historyOf,
    titles: new Map(titles),
    categories: new Map(categories),
    trained,
    unavailable,
    scorers,
    als,
    itemknn,
    ease,
    alsRegularization: config.als.regularization,
    alsConfidence: (values) => Float32Array.from(values, (v) => 1 + confidenceMinusOne(v, config.als)),
    minHistory: config.recommend.minHistory,
    semantic: content ? semantic : null,
    content,
    hybrid: load('hybrid', readHybridBlend),
    release: async () => {
      events.close();
      if (content) await semantic?.close();
    },
  };
}
