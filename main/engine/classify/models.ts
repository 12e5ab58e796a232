import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import type { TaskContext } from '../common/task-context.ts';
import { loadFloat32, loadNpy, saveNpy } from '../common/arrays.ts';
import { cacheNamespace, EmbeddingCache } from './embedding-cache.ts';
import type { WordVectors } from '../embed/word-vectors.ts';
import { BucketRows, FastTextModel, featurize, featurizeTraining, initWordRows, type FeatureRows } from './fasttext.ts';
import { HeadModel, type DenseRows } from './head.ts';
import type { Grad, Param } from './optimizer.ts';
import { fitLinear, parameterCount, softmaxPredict, type LinearFit } from './linear.ts';
import type { ClassifyParams } from './params.ts';
import { TfidfVectorizer, type CsrMatrix, type TfidfOptions } from './tfidf.ts';

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

/** Pretrained word vectors and the name recorded for them in config.json. */
export interface PretrainedVectors {
  name: string;
  vectors: WordVectors;
}

/**
 * Pretrained rows start at 1/6 of their length (GloVe's 100-d vectors are about 6 long), closer to
 * the rows training makes; on the State of the Union set scales 1, 1/2, 1/6 and 1/20 were within noise.
 */
const PRETRAINED_SCALE = 1 / 6;

function fastTextDim(params: ClassifyParams, pretrained: PretrainedVectors | undefined): number {
  const { dim } = params.fasttext;
  if (!pretrained) return dim ?? 32;
  if (dim !== undefined && dim !== pretrained.vectors.dims) {
    throw new EngineError(
      'invalid-input',
      `fasttext.dim is ${dim}, but the ${pretrained.name} vectors that start its rows have ${pretrained.vectors.dims} dimensions`,
      {
        field: 'fasttext.dim',
        hint: `leave fasttext.dim unset (it follows the vectors) or set fasttext.pretrained none`,
      },
    );
  }
  return pretrained.vectors.dims;
}

export function buildFastText(trainTexts: readonly string[], nClasses: number, params: ClassifyParams, pretrained?: PretrainedVectors): ModelKit<FeatureRows> {
  const index = new BucketRows(params.features.buckets);
  const trainX = featurizeTraining(trainTexts, params.features, index);
  const dim = fastTextDim(params, pretrained);
  const model = new FastTextModel(index.size, dim, nClasses, params.seed);
  const initialised = pretrained ? initWordRows(model.embeddings.data, dim, trainTexts, params.features, index, pretrained.vectors, PRETRAINED_SCALE) : 0;
  return {
    params: model.params,
    trainX,
    encode: async (texts) => featurize(texts, params.features, index),
    lossAndGrad: (x, y, batch, grads) => model.lossAndGrad(x, y, batch, grads),
    predict: (x) => model.predict(x),
    config: {
      dim,
      rows: index.size,
      features: params.features,
      ...(pretrained ? { pretrained: { vectors: pretrained.name, rowsInitialised: initialised } } : {}),
    },
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
    throw new EngineError('invalid-input', 'the encoder model needs an embedding provider', {
      field: 'model',
      hint: 'configure an embedding provider, or use model fasttext',
    });
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

export function tfidfOptions(params: Pick<ClassifyParams, 'features' | 'linear'>): TfidfOptions {
  const { lowercase, maxTokens } = params.features;
  const { wordNgrams, charNgrams, minDf, maxFeatures } = params.linear;
  return { lowercase, maxTokens, wordNgrams, charNgrams, minDf, maxFeatures };
}

/** The linear model, fitted: TF-IDF vocabulary and the logistic regression over it. */
export interface LinearKit {
  fit: LinearFit;
  encode(texts: readonly string[]): CsrMatrix;
  predict(x: CsrMatrix): Float32Array;
  readonly config: Record<string, unknown>;
  save(dir: string): void;
}

function linearPredictor(vectorizer: TfidfVectorizer, w: Float32Array, nClasses: number) {
  return {
    encode: (texts: readonly string[]) => vectorizer.transform(texts),
    predict: (x: CsrMatrix) => softmaxPredict(x, w, nClasses),
  };
}

/** TF-IDF + L2 logistic regression fitted on the training texts, C chosen by inner cross-validation. */
export async function trainLinear(
  trainTexts: readonly string[],
  yTrain: Int32Array,
  labels: readonly string[],
  params: ClassifyParams,
  ctx: TaskContext,
  stage: string,
): Promise<LinearKit> {
  const vectorizer = new TfidfVectorizer(tfidfOptions(params));
  // idf and vocabulary come from the whole training part, also for the inner folds: they use no
  // labels, and refitting them per fold would triple the vectorising time for a negligible effect
  const x = vectorizer.fitTransform(trainTexts);
  ctx.log('info', `linear: ${x.rows} texts × ${x.cols} terms, ${x.indices.length} non-zeros`);
  const { maxIter, tol, memory, C, folds, searchRows } = params.linear;
  const fit = await fitLinear(x, yTrain, labels, { maxIter, tol, memory, C, folds, searchRows, seed: params.seed }, ctx, stage);
  const K = labels.length;
  return {
    fit,
    ...linearPredictor(vectorizer, fit.w, K),
    config: { features: tfidfOptions(params), terms: vectorizer.size, C: fit.C, search: fit.search },
    save(dir) {
      // term hashes are unsigned 32-bit; .npy int32 keeps their bits
      saveNpy(join(dir, 'terms.npy'), new Int32Array(vectorizer.terms.buffer, vectorizer.terms.byteOffset, vectorizer.terms.length), [vectorizer.size]);
      saveNpy(join(dir, 'idf.npy'), vectorizer.idf, [vectorizer.size]);
      saveNpy(join(dir, 'weights.npy'), fit.w.subarray(0, vectorizer.size * K), [vectorizer.size, K]);
      saveNpy(join(dir, 'bias.npy'), fit.w.subarray(vectorizer.size * K), [K]);
    },
  };
}

/** The linear model of a run folder, as `trainLinear` saved it. */
export function loadLinear(dir: string, features: TfidfOptions, nClasses: number): Pick<LinearKit, 'encode' | 'predict'> {
  const terms = loadNpy(join(dir, 'terms.npy')).data;
  const idf = loadFloat32(join(dir, 'idf.npy')).data;
  const weights = loadFloat32(join(dir, 'weights.npy'));
  const bias = loadFloat32(join(dir, 'bias.npy')).data;
  if (
    !(terms instanceof Int32Array) ||
    idf.length !== terms.length ||
    weights.shape[0] !== terms.length ||
    weights.shape[1] !== nClasses ||
    bias.length !== nClasses
  ) {
    throw new EngineError('invalid-input', `${dir}: the linear model's arrays do not match each other or config.json`, {
      file: join(dir, 'weights.npy'),
      hint: 'retrain the classifier',
    });
  }
  const w = new Float32Array(parameterCount(terms.length, nClasses));
  w.set(weights.data);
  w.set(bias, weights.data.length);
  const vectorizer = TfidfVectorizer.restore(features, new Uint32Array(terms.buffer, terms.byteOffset, terms.length), idf);
  return linearPredictor(vectorizer, w, nClasses);
}
