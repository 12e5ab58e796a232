import type { TrainyardConfig, StageName } from '../config/schema.ts';
import type { Split } from '../eval/split.ts';
import type { TaskContext } from '../jobs/context.ts';
import { ALS_DEFAULTS, createAlsScorer, loadAls, saveAls, trainAls } from './als.ts';
import { createPopularityScorer, fitBayesPopularity, fitCountPopularity, loadPopularity, savePopularity } from './popularity.ts';
import type { Scorer } from './scorer.ts';

export interface StageInput {
  split: Split;
  itemIds: readonly string[];
  config: TrainyardConfig;
  threads: number;
}

/**
 * A trainable model stage: a pure function of (training data, params) that writes its artifact
 * into a folder, and a way to rank items from that artifact.
 */
export interface ModelStage {
  readonly name: StageName;
  /** the config this stage depends on: part of its cache key */
  params(config: TrainyardConfig): unknown;
  /** trains and writes the artifact into dir; returns what really ran (for the manifest) */
  train(input: StageInput, dir: string, ctx: TaskContext): Promise<Record<string, unknown>>;
  scorer(dir: string): Scorer;
}

const popularity: ModelStage = {
  name: 'popularity',
  params: () => ({}),
  async train(input, dir) {
    const model = fitCountPopularity(input.split);
    savePopularity(dir, model, input.itemIds);
    return model.effective;
  },
  scorer: (dir) => createPopularityScorer(loadPopularity(dir)),
};

const bayesPopularity: ModelStage = {
  name: 'bayes-popularity',
  params: (config) => config['bayes-popularity'],
  async train(input, dir) {
    const model = fitBayesPopularity(input.split, input.config['bayes-popularity']);
    savePopularity(dir, model, input.itemIds);
    return model.effective;
  },
  scorer: (dir) => createPopularityScorer(loadPopularity(dir)),
};

const als: ModelStage = {
  name: 'als',
  params: (config) => ({ ...config.als, seed: config.seed }),
  async train(input, dir, ctx) {
    const params = { ...ALS_DEFAULTS, ...input.config.als, seed: input.config.seed, threads: input.threads };
    const model = await trainAls(input.split.trainCsr, params, ctx);
    saveAls(dir, model);
    return { factors: params.factors, iterations: params.iterations, threads: params.threads, kernel: 'wasm-simd' };
  },
  scorer: (dir) => createAlsScorer(loadAls(dir)),
};

/** Model stages trained on interactions, by name. */
export const MODEL_STAGES: Partial<Record<StageName, ModelStage>> = {
  popularity,
  'bayes-popularity': bayesPopularity,
  als,
};
