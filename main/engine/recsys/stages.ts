import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { HYBRID_CF, splitSemanticConfig, type HybridCf, type StageName, type TrainyardConfig } from '../config/schema.ts';
import type { Csr, ItemCatalog } from '../data/types.ts';
import { defaultGloveAvailable } from '../embed/glove.ts';
import { evaluate } from '../eval/evaluate.ts';
import { splitInteractions, thinTestUsers, type Split } from '../eval/split.ts';
import { progressAs, type TaskContext } from '../common/task-context.ts';
import { createAlsScorer, loadAls, saveAls, trainAls, type AlsParams } from './als/als.ts';
import { createBlendScorer } from './blend.ts';
import { createEaseScorer, loadEase, saveEase, trainEase } from './ease/ease.ts';
import { createItemKnnScorer, knnSettings, loadItemKnn, saveItemKnn, trainItemKnn } from './itemknn/itemknn.ts';
import { createPopularityScorer, fitBayesPopularity, fitCountPopularity, loadPopularity, savePopularity, type PopularityModel } from './popularity.ts';
import type { Scorer } from './scorer.ts';
import { buildSemanticIndex, semanticScorerFromIndex } from './semantic.ts';

export interface StageInput {
  /** null for a catalogue-only run: nothing to train on or evaluate with */
  split: Split | null;
  userIds: readonly string[];
  itemIds: readonly string[];
  catalog: ItemCatalog | null;
  config: TrainyardConfig;
  threads: number;
  /** the run folder: stages that build on earlier ones read their artifacts from here */
  runDir: string;
}

/**
 * A trainable stage: a pure function of (data, params) that writes its artifact into a folder,
 * and a recommender built from that artifact.
 */
export interface ModelStage {
  readonly name: StageName;
  /** what it trains on */
  readonly needs: 'interactions' | 'catalog';
  /** stages whose artifacts it builds on under this config (they run first, in the same run) */
  after(config: TrainyardConfig): readonly StageName[];
  /** the config this stage depends on: part of its cache key */
  params(config: TrainyardConfig, threads: number): unknown;
  /** trains and writes the artifact into dir; returns what really ran (for the manifest) */
  train(input: StageInput, dir: string, ctx: TaskContext): Promise<Record<string, unknown>>;
  scorer(dir: string, input: StageInput & { split: Split }): Scorer;
}

function requireSplit(input: StageInput, stage: string): Split {
  if (!input.split)
    throw new EngineError('invalid-input', `stage ${stage} needs an interaction log`, {
      field: 'stages',
      hint: 'pass --interactions FILE, or train only the semantic stage on a catalogue',
    });
  return input.split;
}

function alsParams(config: TrainyardConfig, threads: number): AlsParams {
  return { ...config.als, seed: config.seed, threads };
}

/** A popularity baseline: one score per item, fitted on the training part. */
function popularityStage(
  name: 'popularity' | 'bayes-popularity',
  params: (config: TrainyardConfig) => unknown,
  fit: (split: Split, config: TrainyardConfig) => PopularityModel,
): ModelStage {
  return {
    name,
    needs: 'interactions',
    after: () => [],
    params,
    async train(input, dir) {
      const model = fit(requireSplit(input, name), input.config);
      savePopularity(dir, model, input.itemIds);
      return model.effective;
    },
    scorer: (dir) => createPopularityScorer(loadPopularity(dir)),
  };
}

const popularity = popularityStage(
  'popularity',
  () => ({}),
  (split) => fitCountPopularity(split),
);
const bayesPopularity = popularityStage(
  'bayes-popularity',
  (config) => config['bayes-popularity'],
  (split, config) => fitBayesPopularity(split, config['bayes-popularity']),
);

const als: ModelStage = {
  name: 'als',
  needs: 'interactions',
  after: () => [],
  // ALS results depend on the thread count (each thread solves its own slice of rows in its own order).
  params: alsParams,
  async train(input, dir, ctx) {
    const params = alsParams(input.config, input.threads);
    const model = await trainAls(requireSplit(input, 'als').trainCsr, params, ctx);
    saveAls(dir, model);
    return { factors: params.factors, iterations: params.iterations, threads: params.threads, kernel: 'wasm-simd' };
  },
  scorer: (dir) => createAlsScorer(loadAls(dir)),
};

/** Item-based nearest neighbours; the cache key holds what shapes the model (not the thread count, nor alpha with cosine). */
const itemknn: ModelStage = {
  name: 'itemknn',
  needs: 'interactions',
  after: () => [],
  params: (config) => knnSettings(config.itemknn),
  async train(input, dir, ctx) {
    const params = input.config.itemknn;
    const model = await trainItemKnn(requireSplit(input, 'itemknn').trainCsr, knnSettings(params), input.threads, ctx);
    saveItemKnn(dir, model, params);
    return { ...params, threads: model.threads, pairs: model.indices.length };
  },
  scorer: (dir, input) => createItemKnnScorer(loadItemKnn(dir), input.split.trainCsr),
};

/** EASE; its limits decide only whether it runs and threads do not change it, so the cache key holds lambda alone. */
const ease: ModelStage = {
  name: 'ease',
  needs: 'interactions',
  after: () => [],
  params: (config) => ({ lambda: config.ease.lambda }),
  async train(input, dir, ctx) {
    const params = input.config.ease;
    const model = await trainEase(requireSplit(input, 'ease').trainCsr, params, input.threads, ctx);
    saveEase(dir, model, params);
    return { lambda: params.lambda, items: model.nItems, threads: model.threads };
  },
  scorer: (dir, input) => createEaseScorer(loadEase(dir), input.split.trainCsr),
};

const semantic: ModelStage = {
  name: 'semantic',
  needs: 'catalog',
  after: () => [],
  // builtin combines LSA with GloVe when the vectors are at hand: an index built either way is cached apart
  params: (config) => ({ ...config.semantic, seed: config.seed, builtinGlove: config.semantic.provider === 'builtin' && defaultGloveAvailable() }),
  async train(input, dir, ctx) {
    if (!input.catalog)
      throw new EngineError('invalid-input', 'the semantic stage needs an item catalogue', { field: 'data.items', hint: 'pass --items FILE' });
    const { embedding, index } = splitSemanticConfig(input.config.semantic);
    const info = await buildSemanticIndex({ ...index, embedding: { ...embedding, seed: input.config.seed }, catalog: input.catalog, dir }, ctx);
    return { items: info.items, ...info.effective, store: info.store };
  },
  scorer: (dir, input) => semanticScorerFromIndex(dir, input.itemIds, input.split.train, input.split.nUsers),
};

const HYBRID_FILE = 'hybrid.json';
const CF_LABELS: Record<HybridCf, string> = { als: 'ALS', itemknn: 'ItemKNN', ease: 'EASE' };
/** The progress label of the CF model the hybrid stage trains on its validation split, apart from the main one. */
export function hybridValidationStage(cf: HybridCf): string {
  return `hybrid · validation ${CF_LABELS[cf]}`;
}
/** The progress label of the search over CF weights. */
export const HYBRID_WEIGHT_SEARCH = 'hybrid · weight search';
const WEIGHTS = Array.from({ length: 11 }, (_, i) => i / 10);

/** Trains a CF model in memory (no artifact) and returns its scorer: the hybrid stage's validation model. */
const TRAIN_CF_SCORER: Record<HybridCf, (trainCsr: Csr, config: TrainyardConfig, threads: number, ctx: TaskContext) => Promise<Scorer>> = {
  als: async (csr, config, threads, ctx) => createAlsScorer(await trainAls(csr, alsParams(config, threads), ctx)),
  itemknn: async (csr, config, threads, ctx) => createItemKnnScorer(await trainItemKnn(csr, knnSettings(config.itemknn), threads, ctx), csr),
  ease: async (csr, config, threads, ctx) => createEaseScorer(await trainEase(csr, config.ease, threads, ctx), csr),
};

/** What a run's hybrid stage blended: its CF model and that model's weight. */
export interface HybridBlend {
  cf: HybridCf;
  weight: number;
}

const hybrid: ModelStage = {
  name: 'hybrid',
  needs: 'interactions',
  after: (config) => [config.hybrid.cf, 'semantic'],
  params: (config, threads) => ({
    hybrid: config.hybrid,
    cf: stageByName(config.hybrid.cf).params(config, threads),
    semantic: config.semantic,
    seed: config.seed,
  }),
  /**
   * Tunes the CF weight without touching the test period: the training part is split again
   * (last event per user = validation), the CF model is trained on the rest, and each candidate
   * weight is scored by NDCG@10 on the validation events.
   */
  async train(input, dir, ctx) {
    const split = requireSplit(input, 'hybrid');
    const { cf, weight: fixed } = input.config.hybrid;
    if (fixed !== null) {
      writeFileSync(join(dir, HYBRID_FILE), JSON.stringify({ cf, weight: fixed, tuned: false }, null, 2) + '\n');
      return { cf, weight: fixed, tuned: false };
    }
    const inner = thinTestUsers(
      splitInteractions(
        { userIds: [...input.userIds], itemIds: [...input.itemIds], ...split.train },
        { method: 'last1', minUserEvents: input.config.split.minUserEvents, ties: input.config.split.ties, seed: input.config.seed },
      ),
      input.config.hybrid.validationUsers,
    );
    const cfScorer = await TRAIN_CF_SCORER[cf](inner.trainCsr, input.config, input.threads, progressAs(ctx, hybridValidationStage(cf)));
    const content = semanticScorerFromIndex(join(input.runDir, 'semantic'), input.itemIds, inner.train, inner.nUsers);
    // One bar over the candidates ("candidate 3 of 11"), not an evaluation bar that restarts for each.
    const quiet = { ...ctx, progress: () => {} };
    const validation = WEIGHTS.map((weight, c) => {
      const ndcg10 = evaluate(createBlendScorer(cfScorer, content, weight), inner, { ks: [10] }, quiet).metrics['ndcg@10']!;
      ctx.progress({ stage: HYBRID_WEIGHT_SEARCH, current: c + 1, total: WEIGHTS.length, unit: 'candidate', metrics: { validation_ndcg10: ndcg10 } });
      return { weight, ndcg10 };
    });
    const best = validation.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
    writeFileSync(
      join(dir, HYBRID_FILE),
      JSON.stringify({ cf, weight: best.weight, tuned: true, validationUsers: inner.test.users.length, validation }, null, 2) + '\n',
    );
    ctx.log('info', `hybrid: ${CF_LABELS[cf]} weight ${best.weight} (validation NDCG@10 ${best.ndcg10.toFixed(4)})`);
    return { cf, weight: best.weight, tuned: true };
  },
  scorer(dir, input) {
    const { cf, weight } = readHybridBlend(dir);
    const cfScorer = stageByName(cf).scorer(join(input.runDir, cf), input);
    const content = semanticScorerFromIndex(join(input.runDir, 'semantic'), input.itemIds, input.split.train, input.split.nUsers);
    return createBlendScorer(cfScorer, content, weight);
  },
};

/** Every stage, in the order a run trains them. */
export const STAGE_ORDER: readonly ModelStage[] = [popularity, bayesPopularity, als, itemknn, ease, semantic, hybrid];

export function stageByName(name: StageName): ModelStage {
  return STAGE_ORDER.find((s) => s.name === name)!;
}

/** The CF model and weight a run's hybrid stage chose; runs from before the choice blended ALS. */
export function readHybridBlend(dir: string): HybridBlend {
  const file = join(dir, HYBRID_FILE);
  const { cf = 'als', weight } = JSON.parse(readFileSync(file, 'utf8')) as { cf?: HybridCf; weight: number };
  if (!HYBRID_CF.includes(cf)) throw new EngineError('internal', `${file}: unknown CF model ${String(cf)}`, { file, field: 'cf' });
  return { cf, weight };
}
