import { join } from 'node:path';
import { EngineError } from '../contracts/errors.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../jobs/context.ts';
import { saveNpy } from '../runs/arrays.ts';
import { cacheNamespace, EmbeddingCache } from './embedding-cache.ts';
import { BucketRows, FastTextModel, featurize, featurizeTraining, type FeatureRows } from './fasttext.ts';
import { HeadModel, type DenseRows } from './head.ts';
import type { Grad, Param } from './optimizer.ts';
import type { ClassifyParams } from './params.ts';

/** A model of either kind together with its text encoding (hashed features or cached sentence embeddings). */
export interface ModelKit<F> {
  readonly params: Param[];
  /** the training texts, encoded while the kit was built */
  readonly trainX: F;
  encode(texts: readonly string[]): Promise<F>;
  lossAndGrad(x: F, y: Int32Array, batch: Int32Array, grads: Grad[]): number;
  predict(x: F): Float32Array;
  /** model-specific part of config.json */
  readonly config: Record<string, unknown>;
  /** writes the weights (.npy) into `dir` */
  save(dir: string): void;
  /** after training: persist what should outlive the run (the embedding cache) */
  finish?(): void;
}

function saveParams(dir: string, params: readonly Param[]): void {
  for (const p of params) saveNpy(join(dir, `${p.name}.npy`), p.data, p.shape);
}

export function buildFastText(trainTexts: readonly string[], nClasses: number, params: ClassifyParams): ModelKit<FeatureRows> {
  const index = new BucketRows(params.features.buckets);
  const trainX = featurizeTraining(trainTexts, params.features, index);
  const model = new FastTextModel(index.size, params.fasttext.dim, nClasses, params.seed);
  return {
    params: model.params,
    trainX,
    encode: async (texts) => featurize(texts, params.features, index),
    lossAndGrad: (x, y, batch, grads) => model.lossAndGrad(x, y, batch, grads),
    predict: (x) => model.predict(x),
    config: { dim: params.fasttext.dim, rows: index.size, features: params.features },
    save(dir) {
      saveNpy(join(dir, 'rows.npy'), Int32Array.from(index.bucketOfRow), [index.size]);
      saveParams(dir, model.params);
    },
  };
}

export async function buildEncoder(
  trainTexts: readonly string[],
  nClasses: number,
  params: ClassifyParams,
  provider: EmbeddingProvider | undefined,
  cacheDir: string | undefined,
  ctx: TaskContext,
): Promise<ModelKit<DenseRows>> {
  if (!provider) {
    throw new EngineError('invalid-input', 'the encoder model needs an embedding provider', { field: 'model', hint: 'configure an embedding provider, or use model fasttext' });
  }
  // Providers that learn from the corpus (builtin LSA) see the training part only: no test leakage.
  if (provider.fit) await provider.fit(trainTexts, ctx);
  const namespace = cacheNamespace(provider, provider.fit ? trainTexts : null);
  const cache = new EmbeddingCache(provider.dimensions, cacheDir ? join(cacheDir, namespace) : undefined);
  const trainX = await cache.embed(provider, trainTexts, ctx);
  const model = new HeadModel(provider.dimensions, params.encoder.hidden, nClasses, params.seed);
  return {
    params: model.params,
    trainX,
    encode: (texts) => cache.embed(provider, texts, ctx),
    lossAndGrad: (x, y, batch, grads) => model.lossAndGrad(x, y, batch, grads),
    predict: (x) => model.predict(x),
    config: { hidden: params.encoder.hidden, inputDim: provider.dimensions, provider: provider.effective(), embeddingNamespace: namespace },
    save: (dir) => saveParams(dir, model.params),
    finish: () => cache.save(),
  };
}
