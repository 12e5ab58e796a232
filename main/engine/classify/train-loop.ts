import { rmSync } from 'node:fs';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { listCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type EpochRecord, type LoopState } from './checkpoint.ts';
import { ADAM_DEFAULTS, AdamW, gradientNorm, gradientsFor, learningRate, resetGradients, type Grad, type Param } from './optimizer.ts';
import { mulberry32, shuffleInPlace, subSeed } from '../common/random.ts';

/** A model bound to its training data. */
export interface Trainable {
  readonly params: Param[];
  /** mean loss over the batch (indices into the training set); adds gradients into `grads` */
  lossAndGrad(batch: Int32Array, grads: Grad[]): number;
}

export type SelectionMetric = 'loss' | 'accuracy' | 'macro_f1';

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** fraction of planned steps used for warmup */
  warmup: number;
  /** 0 disables clipping */
  clipNorm: number;
  metric: SelectionMetric;
  patience: number;
  seed: number;
}

export interface TrainLoopArgs {
  trainable: Trainable;
  nTrain: number;
  options: LoopOptions;
  /** metrics on held-out data after each epoch; must include `metric` */
  validate: () => Record<string, number>;
  /** checkpoints go here (one per epoch, best 2 kept); without it the best weights are kept in memory */
  checkpointDir?: string;
  resume?: boolean;
  fingerprint: string;
  ctx: TaskContext;
  /** stage name in progress events */
  stage?: string;
}

export interface LoopResult {
  history: EpochRecord[];
  bestEpoch: number;
  bestScore: number;
  stoppedEarly: boolean;
  steps: number;
  /** epoch of the checkpoint training resumed from */
  resumedFrom: number | null;
  /** training throughput over the epochs run in this call */
  examplesPerSec: number;
}

const PROGRESS_INTERVAL_MS = 100;
/** Training yields to the event loop this often, so a cancel message reaches a busy worker. */
const YIELD_INTERVAL_MS = 50;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const KEEP_CHECKPOINTS = 2;

function isBetter(metric: SelectionMetric, a: number, b: number): boolean {
  return metric === 'loss' ? a < b : a > b;
}

/**
 * Mini-batch AdamW with warmup + linear decay, gradient-norm clipping, early stopping on a validation
 * metric, per-epoch checkpoints (best 2 kept) and exact resume. The shuffle of epoch e depends only on
 * (seed, e), so a run resumed from a checkpoint repeats the uninterrupted run bit for bit. Resume
 * starts from the newest checkpoint kept; as only the best 2 are kept, that can be older than the last
 * epoch that ran, and the epochs after it are replayed exactly.
 */
export async function trainLoop(args: TrainLoopArgs): Promise<LoopResult> {
  const { trainable, nTrain, options: o, ctx, checkpointDir } = args;
  const stage = args.stage ?? 'classify';
  if (nTrain === 0)
    throw new EngineError('invalid-input', 'no training examples', { hint: 'the training split is empty; add rows or lower split.test / split.validation' });
  const params = trainable.params;
  const opt = new AdamW(params, { ...ADAM_DEFAULTS, weightDecay: o.weightDecay });
  const grads = gradientsFor(params);
  const stepsPerEpoch = Math.ceil(nTrain / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const warmupSteps = Math.round(totalSteps * o.warmup);

  let state: LoopState = {
    epoch: -1,
    step: 0,
    score: NaN,
    bestScore: o.metric === 'loss' ? Infinity : -Infinity,
    bestEpoch: -1,
    sinceBest: 0,
    history: [],
    fingerprint: args.fingerprint,
  };
  let resumedFrom: number | null = null;
  // a fresh run must not rank its checkpoints against those of an earlier run in the same folder
  if (checkpointDir && !args.resume) rmSync(checkpointDir, { recursive: true, force: true });
  if (args.resume && checkpointDir) {
    const newest = listCheckpoints(checkpointDir).at(-1);
    if (newest) {
      if (newest.state.fingerprint !== args.fingerprint) {
        throw new EngineError('invalid-input', `checkpoint ${newest.dir} was written for different data or parameters`, {
          file: newest.dir,
          hint: 'resume with the same data and parameters, or train without resume',
        });
      }
      state = loadCheckpoint(newest.dir, params, opt);
      resumedFrom = state.epoch;
      ctx.log('info', `resuming after epoch ${state.epoch + 1} from ${newest.dir}`);
    } else {
      ctx.log('info', `no checkpoint in ${checkpointDir}; starting from scratch`);
    }
  }

  let bestSnapshot: Float32Array[] | null = null;
  let stoppedEarly = state.sinceBest >= o.patience;
  let examples = 0;
  let trainSeconds = 0;
  const order = new Int32Array(nTrain);
  for (let epoch = state.epoch + 1; epoch < o.epochs && !stoppedEarly; epoch++) {
    const started = performance.now();
    for (let i = 0; i < nTrain; i++) order[i] = i;
    shuffleInPlace(order, mulberry32(subSeed(o.seed, epoch)));
    let lossSum = 0;
    let lr = 0;
    let lastReport = 0;
    let lastYield = performance.now();
    for (let b = 0; b < stepsPerEpoch; b++) {
      if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      throwIfCancelled(ctx.signal);
      const batch = order.subarray(b * o.batchSize, Math.min(nTrain, (b + 1) * o.batchSize));
      resetGradients(grads);
      const loss = trainable.lossAndGrad(batch, grads);
      lossSum += loss * batch.length;
      lr = learningRate(state.step, o.lr, warmupSteps, totalSteps);
      const norm = o.clipNorm > 0 ? gradientNorm(grads) : 0;
      opt.step(grads, lr, o.clipNorm > 0 && norm > o.clipNorm ? o.clipNorm / norm : 1);
      state.step++;
      const now = performance.now();
      if (b === 0 || b === stepsPerEpoch - 1 || now - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = now;
        const seen = Math.min(nTrain, (b + 1) * o.batchSize);
        ctx.progress({
          stage,
          current: state.step,
          total: totalSteps,
          unit: 'step',
          metrics: { epoch: epoch + 1, loss, lr, examplesPerSec: (seen * 1000) / Math.max(1, now - started) },
        });
      }
    }
    const trainMs = performance.now() - started;
    examples += nTrain;
    trainSeconds += trainMs / 1000;
    await yieldToEventLoop();
    throwIfCancelled(ctx.signal);
    const validation = args.validate();
    const score = validation[o.metric];
    if (score === undefined || !Number.isFinite(score)) throw new EngineError('internal', `validation did not produce a finite ${o.metric}`);
    const record: EpochRecord = { epoch: epoch + 1, step: state.step, trainLoss: lossSum / nTrain, lr, seconds: trainMs / 1000, validation };
    const improved = isBetter(o.metric, score, state.bestScore);
    state = {
      ...state,
      epoch,
      score,
      bestScore: improved ? score : state.bestScore,
      bestEpoch: improved ? epoch : state.bestEpoch,
      sinceBest: improved ? 0 : state.sinceBest + 1,
      history: [...state.history, record],
    };
    if (checkpointDir) {
      saveCheckpoint(checkpointDir, params, opt, state);
      pruneCheckpoints(checkpointDir, KEEP_CHECKPOINTS, o.metric !== 'loss');
    } else if (improved) {
      bestSnapshot = params.map((p) => p.data.slice());
    }
    const valMetrics = Object.fromEntries(Object.entries(validation).map(([k, v]) => [`val_${k}`, v]));
    ctx.progress({ stage, current: state.step, total: totalSteps, unit: 'step', metrics: { epoch: epoch + 1, train_loss: record.trainLoss, ...valMetrics } });
    ctx.log(
      'info',
      `epoch ${epoch + 1}/${o.epochs}: train loss ${record.trainLoss.toFixed(4)}, validation ${o.metric} ${score.toFixed(4)}${improved ? ' (best)' : ''}`,
    );
    stoppedEarly = state.sinceBest >= o.patience && epoch + 1 < o.epochs;
  }

  if (checkpointDir) {
    const best = listCheckpoints(checkpointDir).find((c) => c.state.epoch === state.bestEpoch);
    if (!best) throw new EngineError('internal', `the best checkpoint (epoch ${state.bestEpoch + 1}) is missing from ${checkpointDir}`);
    loadCheckpoint(best.dir, params);
  } else if (bestSnapshot) {
    params.forEach((p, k) => p.data.set(bestSnapshot[k]!));
  }
  return {
    history: state.history,
    bestEpoch: state.bestEpoch + 1,
    bestScore: state.bestScore,
    stoppedEarly,
    steps: state.step,
    resumedFrom: resumedFrom === null ? null : resumedFrom + 1,
    examplesPerSec: trainSeconds > 0 ? examples / trainSeconds : 0,
  };
}
