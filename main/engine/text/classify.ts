import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../contracts/errors.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import { silentContext, type TaskContext } from '../jobs/context.ts';
import { loadFloat32, loadNpy } from '../runs/arrays.ts';
import { cleanText } from './clean.ts';
import { BucketRows, FastTextModel, featurize } from './fasttext.ts';
import { HeadModel } from './head.ts';
import { argmaxRows, delta, evaluate, headline, meanAndSpread, type Evaluation, type HeadlineMetrics } from './metrics.ts';
import { buildEncoder, buildFastText, type ModelKit } from './models.ts';
import type { Param } from './optimizer.ts';
import { parseClassifyParams, type ClassifyParams, type ClassifyParamsInput } from './params.ts';
import { cleanRows, loadRows, prepareData, type DataSource, type Example, type QualityReport } from './prepare.ts';
import { augmentRows } from './augment.ts';
import { stratifiedKFold, stratifiedSplit } from './split.ts';
import { trainLoop, type LoopResult } from './train-loop.ts';
import type { EpochRecord } from './checkpoint.ts';

export interface TrainClassifierOptions {
  /** a CSV/TSV/JSONL path, "builtin:spam-assassin", or rows in memory */
  data: DataSource;
  textCol?: string;
  labelCol?: string;
  /** overrides params.model */
  model?: 'fasttext' | 'encoder';
  /** see ClassifyParamsSchema for every field and its default */
  params?: ClassifyParamsInput;
  /** the run folder: weights, config, metrics, errors, checkpoints */
  outDir: string;
  /** required by the encoder model */
  provider?: EmbeddingProvider;
  /** where sentence embeddings are cached between runs (encoder model) */
  embeddingCacheDir?: string;
}

export interface TrainingSummary {
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  resumedFrom: number | null;
  examplesPerSec: number;
  seconds: number;
  history: EpochRecord[];
}

export interface TrainClassifierResult {
  outDir: string;
  model: 'fasttext' | 'encoder';
  labels: string[];
  /** test-set metrics of the trained model: accuracy, macro_f1, macro_precision, macro_recall, mean_confidence, ece, loss, … */
  metrics: HeadlineMetrics;
  /** the same architecture at initialisation, on the same test set */
  baseline: HeadlineMetrics;
  /** an earlier run's test metrics and the change since, when params.compareTo was given */
  previous: { run: string; metrics: Record<string, number>; delta: Record<string, number> } | null;
  training: TrainingSummary;
  quality: QualityReport;
}

const CONFIG_FORMAT = 'trainyard-text-classifier';

interface Fitted {
  labels: string[];
  kit: ModelKit<unknown>;
  loop: LoopResult;
  seconds: number;
  test: Evaluation;
  baseline: Evaluation;
  testProbs: Float32Array;
  /** kit-specific cleanup after training (persist the embedding cache) */
  finish(): void;
}

interface Parts {
  labels: string[];
  train: readonly Example[];
  validation: readonly Example[];
  test: readonly Example[];
}

function labelIndex(labels: readonly string[], rows: readonly Example[]): Int32Array {
  const at = new Map(labels.map((l, i) => [l, i]));
  return Int32Array.from(rows, (r) => at.get(r.label)!);
}

function fingerprintOf(params: ClassifyParams, parts: Parts): string {
  const { compareTo: _c, errors: _e, train, ...rest } = params;
  const { resume: _r, ...trainRest } = train;
  const h = createHash('sha256').update(JSON.stringify({ rest, trainRest, labels: parts.labels }));
  for (const part of [parts.train, parts.validation]) for (const e of part) h.update(e.label).update('\u0001').update(e.text).update('\u0000');
  return h.digest('hex');
}

async function fitAndEvaluate(parts: Parts, params: ClassifyParams, opts: { provider?: EmbeddingProvider; embeddingCacheDir?: string; checkpointDir?: string; stage: string }, ctx: TaskContext): Promise<Fitted> {
  const started = performance.now();
  const { labels } = parts;
  const trainTexts = parts.train.map((e) => e.text);
  const kit = (
    params.model === 'fasttext' ? buildFastText(trainTexts, labels.length, params) : await buildEncoder(trainTexts, labels.length, params, opts.provider, opts.embeddingCacheDir, ctx)
  ) as ModelKit<unknown>;
  const yTrain = labelIndex(labels, parts.train);
  const validationRows = parts.validation.length > 0 ? parts.validation : parts.train;
  const valX = parts.validation.length > 0 ? await kit.encode(validationRows.map((e) => e.text)) : kit.trainX;
  const yVal = labelIndex(labels, validationRows);
  const testX = await kit.encode(parts.test.map((e) => e.text));
  const yTest = labelIndex(labels, parts.test);
  const baseline = evaluate(kit.predict(testX), yTest, labels);
  const loop = await trainLoop({
    trainable: { params: kit.params, lossAndGrad: (batch, grads) => kit.lossAndGrad(kit.trainX, yTrain, batch, grads) },
    nTrain: parts.train.length,
    options: { ...params.train, seed: params.seed },
    validate: () => {
      const e = evaluate(kit.predict(valX), yVal, labels);
      return { loss: e.loss, accuracy: e.accuracy, macro_f1: e.macro_f1 };
    },
    ...(opts.checkpointDir ? { checkpointDir: opts.checkpointDir } : {}),
    resume: params.train.resume,
    fingerprint: fingerprintOf(params, parts),
    ctx,
    stage: opts.stage,
  });
  const testProbs = kit.predict(testX);
  return {
    labels,
    kit,
    loop,
    seconds: (performance.now() - started) / 1000,
    test: evaluate(testProbs, yTest, labels),
    baseline,
    testProbs,
    finish: () => kit.finish?.(),
  };
}

function readPreviousMetrics(dir: string): Record<string, number> {
  const file = join(dir, 'metrics.json');
  if (!existsSync(file)) throw new EngineError('invalid-input', `no metrics.json in ${dir}`, { file, field: 'compareTo', hint: 'compareTo must be the folder of an earlier classifier run' });
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { test?: { metrics?: Record<string, number> } };
  if (!parsed.test?.metrics) throw new EngineError('invalid-input', `${file} is not a classifier metrics file`, { file, field: 'compareTo' });
  return parsed.test.metrics;
}

function mostConfidentlyWrong(parts: Parts, probs: Float32Array, top: number) {
  const C = parts.labels.length;
  const pred = argmaxRows(probs, C);
  const wrong: { i: number; confidence: number }[] = [];
  parts.test.forEach((e, i) => {
    if (parts.labels[pred[i]!] !== e.label) wrong.push({ i, confidence: probs[i * C + pred[i]!]! });
  });
  wrong.sort((a, b) => b.confidence - a.confidence || a.i - b.i);
  return wrong.slice(0, top).map(({ i, confidence }) => {
    const e = parts.test[i]!;
    const probabilities = Object.fromEntries(parts.labels.map((l, c) => [l, probs[i * C + c]!]));
    return { text: e.text.length > 1000 ? `${e.text.slice(0, 1000)}…` : e.text, label: e.label, predicted: parts.labels[pred[i]!]!, confidence, probabilities, ...(e.line !== undefined ? { line: e.line } : {}) };
  });
}

function evaluationReport(e: Evaluation) {
  return { metrics: headline(e), perClass: e.perClass, calibration: e.calibration, confidenceHistogram: e.confidenceHistogram };
}

/**
 * Trains a text classifier end to end and writes its run folder: config.json (labels, cleaning,
 * features), weights (.npy), metrics.json (test metrics, untrained baseline, comparison, data report,
 * training history), confusion.json, errors.jsonl and checkpoints/.
 */
export async function trainClassifier(opts: TrainClassifierOptions, ctx: TaskContext): Promise<TrainClassifierResult> {
  const params = parseClassifyParams({ ...opts.params, ...(opts.model ? { model: opts.model } : {}) });
  const prepared = prepareData(opts.data, params, opts.textCol, opts.labelCol);
  const previous = params.compareTo ? { run: params.compareTo, metrics: readPreviousMetrics(params.compareTo) } : null;
  mkdirSync(opts.outDir, { recursive: true });
  ctx.log('info', `classifier ${params.model}: ${prepared.quality.split.train} train / ${prepared.quality.split.validation} validation / ${prepared.quality.split.test} test rows, ${prepared.labels.length} classes`);
  const fitted = await fitAndEvaluate(
    prepared,
    params,
    { ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.embeddingCacheDir ? { embeddingCacheDir: opts.embeddingCacheDir } : {}), checkpointDir: join(opts.outDir, 'checkpoints'), stage: 'classify' },
    ctx,
  );
  fitted.finish();
  const metrics = headline(fitted.test);
  const baseline = headline(fitted.baseline);
  const training: TrainingSummary = {
    epochs: fitted.loop.history.length,
    bestEpoch: fitted.loop.bestEpoch,
    stoppedEarly: fitted.loop.stoppedEarly,
    steps: fitted.loop.steps,
    resumedFrom: fitted.loop.resumedFrom,
    examplesPerSec: fitted.loop.examplesPerSec,
    seconds: fitted.seconds,
    history: fitted.loop.history,
  };
  const config = { format: CONFIG_FORMAT, version: 1, model: params.model, labels: prepared.labels, clean: params.clean, params, ...fitted.kit.config };
  fitted.kit.save(opts.outDir);
  writeFileSync(join(opts.outDir, 'config.json'), JSON.stringify(config, null, 1));
  const comparison = previous ? { ...previous, delta: delta(previous.metrics, metrics) } : null;
  writeFileSync(
    join(opts.outDir, 'metrics.json'),
    JSON.stringify(
      {
        model: params.model,
        labels: prepared.labels,
        test: evaluationReport(fitted.test),
        baseline: evaluationReport(fitted.baseline),
        // the "before → after" view: change of every metric from the untrained model
        improvement: delta(baseline, metrics),
        previous: comparison,
        training,
        data: prepared.quality,
      },
      null,
      1,
    ),
  );
  writeFileSync(join(opts.outDir, 'confusion.json'), JSON.stringify({ labels: prepared.labels, matrix: fitted.test.confusion.matrix, baseline: fitted.baseline.confusion.matrix }, null, 1));
  const errors = mostConfidentlyWrong(prepared, fitted.testProbs, params.errors);
  writeFileSync(join(opts.outDir, 'errors.jsonl'), errors.map((e) => JSON.stringify(e)).join('\n') + (errors.length ? '\n' : ''));
  return { outDir: opts.outDir, model: params.model, labels: prepared.labels, metrics, baseline, previous: comparison, training, quality: prepared.quality };
}

export interface CrossValidationResult {
  nSplits: number;
  folds: { fold: number; train: number; validation: number; test: number; metrics: HeadlineMetrics; bestEpoch: number }[];
  /** per metric: mean, sample standard deviation, min, max over folds */
  summary: Record<string, { mean: number; std: number; min: number; max: number }>;
}

/**
 * Stratified k-fold cross-validation: each fold is held out once while the model trains on the rest
 * (with its own validation part for early stopping). Writes cv.json when outDir is given.
 */
export async function crossValidate(opts: Omit<TrainClassifierOptions, 'outDir'> & { outDir?: string; nSplits?: number }, ctx: TaskContext): Promise<CrossValidationResult> {
  const nSplits = opts.nSplits ?? 5;
  const params = parseClassifyParams({ ...opts.params, ...(opts.model ? { model: opts.model } : {}) });
  if (!Number.isInteger(nSplits) || nSplits < 2) throw new EngineError('invalid-input', `nSplits must be an integer ≥ 2, got ${nSplits}`, { field: 'nSplits' });
  const { examples } = cleanRows(loadRows(opts.data, opts.textCol, opts.labelCol), params);
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new EngineError('invalid-input', 'cross-validation needs at least 2 classes', { field: 'labelCol' });
  const folds = stratifiedKFold(examples.map((e) => e.label), nSplits, params.seed);
  const out: CrossValidationResult['folds'] = [];
  for (let k = 0; k < nSplits; k++) {
    const held = new Set(folds[k]);
    const rest = examples.filter((_, i) => !held.has(i));
    const inner = stratifiedSplit(rest.map((e) => e.label), 0, params.split.validation, params.seed + k);
    const train = inner.train.map((i) => rest[i]!);
    const parts: Parts = {
      labels,
      train: params.augment.enabled ? [...train, ...augmentRows(train, params.augment, params.seed + k)] : train,
      validation: inner.validation.map((i) => rest[i]!),
      test: folds[k]!.map((i) => examples[i]!),
    };
    const fitted = await fitAndEvaluate(parts, { ...params, train: { ...params.train, resume: false } }, { ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.embeddingCacheDir ? { embeddingCacheDir: opts.embeddingCacheDir } : {}), stage: `classify-cv-${k + 1}` }, ctx);
    fitted.finish();
    out.push({ fold: k + 1, train: parts.train.length, validation: parts.validation.length, test: parts.test.length, metrics: headline(fitted.test), bestEpoch: fitted.loop.bestEpoch });
    ctx.log('info', `fold ${k + 1}/${nSplits}: accuracy ${fitted.test.accuracy.toFixed(4)}, macro F1 ${fitted.test.macro_f1.toFixed(4)}`);
  }
  const result: CrossValidationResult = { nSplits, folds: out, summary: meanAndSpread(out.map((f) => f.metrics)) };
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, 'cv.json'), JSON.stringify(result, null, 1));
  }
  return result;
}

export interface ClassifyPrediction {
  label: string;
  probabilities: Record<string, number>;
}

export interface LoadedClassifier {
  model: 'fasttext' | 'encoder';
  labels: string[];
  predict(text: string): Promise<ClassifyPrediction>;
  predictMany(texts: readonly string[]): Promise<ClassifyPrediction[]>;
}

function readConfig(dir: string): Record<string, unknown> & { model: 'fasttext' | 'encoder'; labels: string[]; clean: ClassifyParams['clean'] } {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) throw new EngineError('not-found', `no classifier in ${dir} (config.json is missing)`, { file, hint: 'pass the folder of a finished classifier run' });
  const config = JSON.parse(readFileSync(file, 'utf8')) as { format?: string } & ReturnType<typeof readConfig>;
  if (config.format !== CONFIG_FORMAT) throw new EngineError('invalid-input', `${file} is not a text classifier config`, { file });
  return config;
}

function loadInto(dir: string, params: readonly Param[]): void {
  for (const p of params) {
    const a = loadFloat32(join(dir, `${p.name}.npy`));
    if (a.data.length !== p.data.length) throw new EngineError('invalid-input', `${join(dir, `${p.name}.npy`)} does not match config.json`, { file: join(dir, `${p.name}.npy`) });
    p.data.set(a.data);
  }
}

function toPredictions(probs: Float32Array, labels: readonly string[]): ClassifyPrediction[] {
  const C = labels.length;
  const pred = argmaxRows(probs, C);
  return Array.from(pred, (p, i) => ({ label: labels[p]!, probabilities: Object.fromEntries(labels.map((l, c) => [l, probs[i * C + c]!])) }));
}

/** Loads a trained classifier from its run folder; the encoder model needs the provider it was trained with. */
export function loadClassifier(dir: string, opts: { provider?: EmbeddingProvider } = {}): LoadedClassifier {
  const config = readConfig(dir);
  const { labels, clean } = config;
  let predictTexts: (texts: readonly string[]) => Promise<Float32Array>;
  if (config.model === 'fasttext') {
    const features = config.features as ClassifyParams['features'];
    const rows = loadNpy(join(dir, 'rows.npy')).data;
    const index = new BucketRows(features.buckets, Array.from(rows));
    const model = new FastTextModel(index.size, config.dim as number, labels.length, 0);
    loadInto(dir, model.params);
    predictTexts = async (texts) => model.predict(featurize(texts, features, index));
  } else {
    const provider = opts.provider;
    const expected = config.provider as { provider: string; dimensions: number };
    if (!provider) throw new EngineError('invalid-input', `${dir}: this encoder classifier needs the ${expected.provider} embedding provider`, { hint: 'pass the provider the classifier was trained with' });
    if (provider.dimensions !== expected.dimensions) {
      throw new EngineError('invalid-input', `${dir}: trained on ${expected.dimensions}-dimensional ${expected.provider} embeddings, got ${provider.dimensions}-dimensional ${provider.name}`, { hint: 'pass the provider the classifier was trained with' });
    }
    const model = new HeadModel(expected.dimensions, config.hidden as number, labels.length, 0);
    loadInto(dir, model.params);
    predictTexts = async (texts) => {
      const values = texts.length ? await provider.embed(texts, silentContext()) : new Float32Array(0);
      return model.predict({ n: texts.length, dim: expected.dimensions, values });
    };
  }
  const predictMany = async (texts: readonly string[]) => toPredictions(await predictTexts(texts.map((t) => cleanText(t, clean))), labels);
  return {
    model: config.model,
    labels,
    predictMany,
    predict: async (text) => (await predictMany([text]))[0]!,
  };
}
