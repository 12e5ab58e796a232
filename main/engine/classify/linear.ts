import type { TaskContext } from '../common/task-context.ts';
import { minimizeLbfgs, type LbfgsOptions } from './lbfgs.ts';
import { evaluate } from './metrics.ts';
import { stratifiedKFold, stratifiedSplit } from './split.ts';
import type { CsrMatrix } from './tfidf.ts';

/**
 * Multinomial logistic regression with an L2 penalty on sparse rows. Parameters are one Float32
 * vector: the weights, feature-major (features × classes, so a row's features touch contiguous
 * memory), then the unpenalised biases. The objective is scikit-learn's (C·Σ cross-entropy + ½‖W‖²)
 * divided by C·n, which has the same minimiser and a scale that does not grow with n.
 */
export interface SoftmaxProblem {
  x: CsrMatrix;
  y: Int32Array;
  nClasses: number;
  /** rows that take part (inner cross-validation folds); all rows when null */
  rows: Int32Array | null;
  C: number;
}

export function parameterCount(nFeatures: number, nClasses: number): number {
  return nFeatures * nClasses + nClasses;
}

/** Softmax probabilities of row i into `p` (length nClasses). */
function rowProbabilities(x: CsrMatrix, i: number, w: Float32Array, K: number, biasAt: number, p: Float64Array): void {
  for (let c = 0; c < K; c++) p[c] = w[biasAt + c]!;
  for (let k = x.offsets[i]!, end = x.offsets[i + 1]!; k < end; k++) {
    const v = x.values[k]!;
    const base = x.indices[k]! * K;
    for (let c = 0; c < K; c++) p[c] = p[c]! + v * w[base + c]!;
  }
  let max = -Infinity;
  for (let c = 0; c < K; c++) max = Math.max(max, p[c]!);
  let sum = 0;
  for (let c = 0; c < K; c++) sum += p[c] = Math.exp(p[c]! - max);
  for (let c = 0; c < K; c++) p[c] = p[c]! / sum;
}

/** The penalised mean cross-entropy at `w`; its gradient goes into `grad`. */
export function softmaxLossAndGrad(problem: SoftmaxProblem, w: Float32Array, grad: Float32Array): number {
  const { x, y, nClasses: K, rows } = problem;
  const m = rows ? rows.length : x.rows;
  const biasAt = x.cols * K;
  const p = new Float64Array(K);
  grad.fill(0);
  let loss = 0;
  for (let r = 0; r < m; r++) {
    const i = rows ? rows[r]! : r;
    const yi = y[i]!;
    rowProbabilities(x, i, w, K, biasAt, p);
    loss -= Math.log(Math.max(p[yi]!, 1e-300));
    p[yi] = p[yi]! - 1;
    for (let c = 0; c < K; c++) {
      p[c] = p[c]! / m;
      grad[biasAt + c] = grad[biasAt + c]! + p[c]!;
    }
    for (let k = x.offsets[i]!, end = x.offsets[i + 1]!; k < end; k++) {
      const v = x.values[k]!;
      const base = x.indices[k]! * K;
      for (let c = 0; c < K; c++) grad[base + c] = grad[base + c]! + v * p[c]!;
    }
  }
  const lambda = 1 / (problem.C * m);
  let penalty = 0;
  for (let j = 0; j < biasAt; j++) {
    const wj = w[j]!;
    penalty += wj * wj;
    grad[j] = grad[j]! + lambda * wj;
  }
  return loss / m + 0.5 * lambda * penalty;
}

/** Probabilities of every row (or of `rows`), row-major rows × classes. */
export function softmaxPredict(x: CsrMatrix, w: Float32Array, K: number, rows: Int32Array | null = null): Float32Array {
  const n = rows ? rows.length : x.rows;
  const out = new Float32Array(n * K);
  const p = new Float64Array(K);
  for (let r = 0; r < n; r++) {
    rowProbabilities(x, rows ? rows[r]! : r, w, K, x.cols * K, p);
    for (let c = 0; c < K; c++) out[r * K + c] = p[c]!;
  }
  return out;
}

/**
 * Rows of `x` as a matrix of their own. Columns are renumbered in order of first use, or mapped
 * through `columnOf` (old column → new, −1: dropped) when given.
 */
export function compactRows(
  x: CsrMatrix,
  rows: readonly number[] | Int32Array,
  columnOf?: Int32Array,
): { x: CsrMatrix; columnOf: Int32Array; source: readonly number[] | Int32Array } {
  const map = columnOf ?? new Int32Array(x.cols).fill(-1);
  let cols = 0;
  if (columnOf) {
    for (const c of columnOf) cols = Math.max(cols, c + 1);
  } else {
    for (const i of rows) for (let k = x.offsets[i]!; k < x.offsets[i + 1]!; k++) if (map[x.indices[k]!] === -1) map[x.indices[k]!] = cols++;
  }
  let nnz = 0;
  for (const i of rows) nnz += x.offsets[i + 1]! - x.offsets[i]!;
  const offsets = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let used = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    for (let k = x.offsets[i]!; k < x.offsets[i + 1]!; k++) {
      const c = map[x.indices[k]!]!;
      if (c < 0) continue;
      indices[used] = c;
      values[used++] = x.values[k]!;
    }
    offsets[r + 1] = used;
  }
  return { x: { rows: rows.length, cols, offsets, indices: indices.slice(0, used), values: values.slice(0, used) }, columnOf: map, source: rows };
}

export interface LinearSearchOptions extends LbfgsOptions {
  /** candidate inverse penalty strengths */
  C: readonly number[];
  folds: number;
  /** the inner cross-validation sees at most this many rows (a stratified sample); 0: all */
  searchRows: number;
  seed: number;
}

export interface LinearFit {
  /** weights then biases, see SoftmaxProblem */
  w: Float32Array;
  C: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** inner cross-validation: per C, the mean held-out macro F1, its standard error over the folds, and log-loss (empty with one C) */
  search: { C: number; macro_f1: number; macro_f1_se: number; loss: number }[];
}

/**
 * The one-standard-error rule (Hastie, Tibshirani & Friedman, §7.10): the smallest C (strongest
 * penalty) whose mean held-out macro F1 is within one standard error of the best. Differences
 * smaller than the spread over folds are noise; picking the largest mean chose C = 100 over 10 on
 * a margin of 0.0003.
 */
export function chooseC(search: LinearFit['search']): number {
  const top = search.reduce((a, b) => (b.macro_f1 > a.macro_f1 ? b : a));
  return search.filter((s) => s.macro_f1 >= top.macro_f1 - top.macro_f1_se).reduce((a, b) => (b.C < a.C ? b : a)).C;
}

/**
 * Fits the model on all rows of `x` with the C that inner stratified k-fold cross-validation on
 * those rows supports (see chooseC). Every fit starts from zero weights
 * with the same tolerance, as scikit-learn's GridSearchCV would: a fit warm-started from the
 * previous C begins with a gradient below the tolerance when n is large (the penalty's gradient
 * shrinks as 1/(C·n)) and stops at once, which leaves every C with the same model.
 */
export async function fitLinear(
  x: CsrMatrix,
  y: Int32Array,
  labels: readonly string[],
  opts: LinearSearchOptions,
  ctx: TaskContext,
  stage = 'linear',
): Promise<LinearFit> {
  const K = labels.length;
  const size = parameterCount(x.cols, K);
  const grid = [...opts.C].sort((a, b) => a - b);
  const search: LinearFit['search'] = [];
  // every fold should hold every class: no more folds than the smallest class has rows
  const classCounts = new Int32Array(K);
  for (const c of y) classCounts[c]!++;
  const nFolds = Math.min(opts.folds, ...classCounts);
  let best = grid[Math.floor((grid.length - 1) / 2)]!;
  if (grid.length > 1 && nFolds < 2) {
    ctx.log('warn', `linear: a class has fewer than 2 training texts, so C = ${best} (the middle of the grid) without cross-validation`);
  } else if (grid.length > 1) {
    const names = Array.from(y, (c) => labels[c]!);
    // a stratified sample bounds the search's cost; C scales the summed loss, so its best value
    // moves little between a sample and the whole training part
    const sample =
      opts.searchRows > 0 && x.rows > opts.searchRows
        ? stratifiedSplit(names, 0, 1 - opts.searchRows / x.rows, opts.seed).train
        : Array.from({ length: x.rows }, (_, i) => i);
    const folds = stratifiedKFold(
      sample.map((i) => names[i]!),
      nFolds,
      opts.seed,
    ).map((fold) => fold.map((j) => sample[j]!));
    const scores = grid.map(() => ({ f1: [] as number[], loss: 0 }));
    for (let k = 0; k < folds.length; k++) {
      const held = Int32Array.from(folds[k]!);
      const isHeld = new Uint8Array(x.rows);
      for (const i of held) isHeld[i] = 1;
      // a term absent from the fold's training rows has only the penalty, so its optimal weight is
      // 0: leaving such columns out gives the same fit with far fewer parameters
      const train = compactRows(
        x,
        sample.filter((i) => !isHeld[i]),
      );
      const heldOut = compactRows(x, held, train.columnOf);
      const yTrain = Int32Array.from(train.source, (i) => y[i]!);
      for (let g = 0; g < grid.length; g++) {
        const problem: SoftmaxProblem = { x: train.x, y: yTrain, nClasses: K, rows: null, C: grid[g]! };
        const { x: w } = await minimizeLbfgs((v, grad) => softmaxLossAndGrad(problem, v, grad), new Float32Array(parameterCount(train.x.cols, K)), opts, ctx);
        const e = evaluate(
          softmaxPredict(heldOut.x, w, K),
          Int32Array.from(held, (i) => y[i]!),
          labels,
        );
        scores[g]!.f1.push(e.macro_f1);
        scores[g]!.loss += e.loss / folds.length;
        ctx.progress({
          stage,
          current: k * grid.length + g + 1,
          total: folds.length * grid.length + 1,
          unit: 'fit',
          metrics: { C: grid[g]!, macro_f1: e.macro_f1 },
        });
      }
    }
    grid.forEach((C, g) => {
      const f1 = scores[g]!.f1;
      const mean = f1.reduce((a, b) => a + b, 0) / f1.length;
      const sd = Math.sqrt(f1.reduce((a, b) => a + (b - mean) ** 2, 0) / (f1.length - 1));
      search.push({ C, macro_f1: mean, macro_f1_se: sd / Math.sqrt(f1.length), loss: scores[g]!.loss });
    });
    best = chooseC(search);
    ctx.log(
      'info',
      `linear: C = ${best} by ${folds.length}-fold inner cross-validation on ${sample.length} texts (${search.map((s) => `C ${s.C}: macro F1 ${s.macro_f1.toFixed(4)} ± ${s.macro_f1_se.toFixed(4)}`).join('; ')})`,
    );
  }
  const problem: SoftmaxProblem = { x, y, nClasses: K, rows: null, C: best };
  const r = await minimizeLbfgs((v, grad) => softmaxLossAndGrad(problem, v, grad), new Float32Array(size), opts, ctx);
  ctx.progress({ stage, current: 1, total: 1, unit: 'fit', metrics: { C: best, iterations: r.iterations } });
  return { w: r.x, C: best, iterations: r.iterations, evaluations: r.evaluations, converged: r.converged, search };
}
