import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineError, toErrorData } from '../../common/contracts/errors.ts';
import { configSchema } from '../config/schema.ts';
import { confidenceMinusOne, createAlsScorer, loadAls } from '../recsys/als/als.ts';
import { createEaseScorer, loadEase } from '../recsys/ease/ease.ts';
import { createItemKnnScorer, loadItemKnn } from '../recsys/itemknn/itemknn.ts';
import { createPopularityScorer, loadPopularity } from '../recsys/popularity.ts';
import type { ServingRun } from '../recsys/recommend.ts';
import { itemVectorsInOrder, openSemanticIndex } from '../recsys/semantic.ts';
import { readHybridBlend } from '../recsys/stages.ts';
import { silentContext } from '../common/task-context.ts';
import { readManifest, runDir } from './registry.ts';
import { readServingHistoryOffThread } from './serving-history.ts';
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
 * Loads a succeeded run for serving: its histories are read in a worker thread (the heavy part),
 * then its models, id maps and titles are set up here.
 */
export async function loadServingRun(paths: WorkspacePaths, runId: string): Promise<ServingRun> {
  const manifest = readManifest(paths, runId);
  if (manifest.status !== 'succeeded') throw new EngineError('conflict', `run ${runId} is ${manifest.status}: only succeeded runs can serve`);
  if (!manifest.dataset) throw new EngineError('invalid-input', `run ${runId} is not a recommender run`);
  const dir = runDir(paths, runId);
  const config = configSchema.parse({ ...(manifest.resolvedParams as Record<string, unknown>), threads: 0 });
  const { userIds, itemIds, history, historyTs, titles, categories } = await readServingHistoryOffThread({
    dbPath: paths.db,
    dir,
    runId,
    dataset: manifest.dataset,
  });
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
  // their scores sum rows over the user's whole history, as ALS users' factors were fitted on theirs
  const itemknn = load('itemknn', (d) => {
    const model = loadItemKnn(d);
    return { model, scorer: createItemKnnScorer(model, history) };
  });
  if (itemknn) scorers.itemknn = itemknn.scorer;
  const ease = load('ease', (d) => {
    const model = loadEase(d);
    return { model, scorer: createEaseScorer(model, history) };
  });
  if (ease) scorers.ease = ease.scorer;
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
    history,
    historyTs,
    titles: new Map(titles),
    categories: new Map(categories),
    trained,
    unavailable,
    scorers,
    als,
    itemknn: itemknn?.model ?? null,
    ease: ease?.model ?? null,
    alsRegularization: config.als.regularization,
    alsConfidence: (values) => Float32Array.from(values, (v) => 1 + confidenceMinusOne(v, config.als)),
    minHistory: config.recommend.minHistory,
    semantic: content ? semantic : null,
    content,
    hybrid: load('hybrid', readHybridBlend),
  };
}
