/** Classification metrics over predicted probabilities (row-major n × C) and true class indices. */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** mean confidence of the predictions in the bin */
  confidence: number;
  accuracy: number;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  correct: number;
  wrong: number;
}

/** The scalar metrics of an evaluation (what metrics.json headlines and comparisons use). */
export type HeadlineMetrics = {
  accuracy: number;
  macro_precision: number;
  macro_recall: number;
  macro_f1: number;
  /** mean probability of the predicted class */
  mean_confidence: number;
  /** mean probability given to the true class */
  mean_true_prob: number;
  ece: number;
  loss: number;
};

export interface Evaluation extends HeadlineMetrics {
  n: number;
  perClass: ClassMetrics[];
  /** rows: true class, columns: predicted class, in `labels` order */
  confusion: { labels: string[]; matrix: number[][] };
  calibration: CalibrationBin[];
  confidenceHistogram: HistogramBin[];
}

export const ECE_BINS = 15;
const HISTOGRAM_BINS = 10;

export function argmaxRows(probs: Float32Array, C: number): Int32Array {
  const n = probs.length / C;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[i * C + c]! > probs[i * C + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/** Bin of a confidence in (lo, hi] bins over [0, 1]; 0 falls in the first bin. */
function binOf(conf: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
}

/** Expected calibration error: Σ_b (n_b / n) · |accuracy_b − confidence_b| over equal-width bins. */
export function calibration(confidence: ArrayLike<number>, correct: ArrayLike<boolean>, bins = ECE_BINS): { ece: number; bins: CalibrationBin[] } {
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidence.length; i++) {
    const b = binOf(confidence[i]!, bins);
    count[b]!++;
    confSum[b]! += confidence[i]!;
    if (correct[i]) hits[b]!++;
  }
  let ece = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    const conf = n ? confSum[b]! / n : 0;
    const acc = n ? hits[b]! / n : 0;
    if (n) ece += (n / confidence.length) * Math.abs(acc - conf);
    out.push({ lo: b / bins, hi: (b + 1) / bins, count: n, confidence: conf, accuracy: acc });
  }
  return { ece, bins: out };
}

/**
 * The baseline every classifier is measured against: each test text gets the training part's class
 * shares, so it predicts the most frequent class with that class's share as its confidence.
 */
export function majorityBaseline(yTrain: Int32Array, nTest: number, nClasses: number): Float32Array {
  const shares = new Float32Array(nClasses);
  for (const y of yTrain) shares[y]! += 1 / yTrain.length;
  const probs = new Float32Array(nTest * nClasses);
  for (let r = 0; r < nTest; r++) probs.set(shares, r * nClasses);
  return probs;
}

export function evaluate(probs: Float32Array, y: Int32Array, labels: readonly string[]): Evaluation {
  const C = labels.length;
  const n = y.length;
  const pred = argmaxRows(probs, C);
  const matrix = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const confidence = new Float64Array(n);
  const correct: boolean[] = new Array(n);
  let hits = 0;
  let loss = 0;
  let trueProb = 0;
  const histogram: HistogramBin[] = Array.from({ length: HISTOGRAM_BINS }, (_, b) => ({
    lo: b / HISTOGRAM_BINS,
    hi: (b + 1) / HISTOGRAM_BINS,
    correct: 0,
    wrong: 0,
  }));
  for (let i = 0; i < n; i++) {
    const t = y[i]!;
    const p = pred[i]!;
    matrix[t]![p]!++;
    confidence[i] = probs[i * C + p]!;
    correct[i] = t === p;
    if (correct[i]) hits++;
    const pt = probs[i * C + t]!;
    trueProb += pt;
    loss -= Math.log(Math.max(pt, 1e-12));
    const h = histogram[binOf(confidence[i]!, HISTOGRAM_BINS)]!;
    if (correct[i]) h.correct++;
    else h.wrong++;
  }
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const tp = matrix[c]![c]!;
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < C; k++) {
      predicted += matrix[k]![c]!;
      actual += matrix[c]![k]!;
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = actual ? tp / actual : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: actual };
  });
  const mean = (k: 'precision' | 'recall' | 'f1') => perClass.reduce((s, c) => s + c[k], 0) / C;
  const cal = calibration(confidence, correct);
  let confSum = 0;
  for (const c of confidence) confSum += c;
  return {
    n,
    accuracy: n ? hits / n : 0,
    macro_precision: mean('precision'),
    macro_recall: mean('recall'),
    macro_f1: mean('f1'),
    mean_confidence: n ? confSum / n : 0,
    mean_true_prob: n ? trueProb / n : 0,
    ece: cal.ece,
    loss: n ? loss / n : 0,
    perClass,
    confusion: { labels: [...labels], matrix },
    calibration: cal.bins,
    confidenceHistogram: histogram,
  };
}

export function headline(e: Evaluation): HeadlineMetrics {
  return {
    accuracy: e.accuracy,
    macro_precision: e.macro_precision,
    macro_recall: e.macro_recall,
    macro_f1: e.macro_f1,
    mean_confidence: e.mean_confidence,
    mean_true_prob: e.mean_true_prob,
    ece: e.ece,
    loss: e.loss,
  };
}

/** after − before for every metric both have. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (typeof before[k] === 'number') out[k] = v - before[k];
  return out;
}

/** Mean and (sample) standard deviation of each metric across folds. */
export function meanAndSpread(runs: readonly Record<string, number>[]): Record<string, { mean: number; std: number; min: number; max: number }> {
  const out: Record<string, { mean: number; std: number; min: number; max: number }> = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    const xs = runs.map((r) => r[key]!);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
    out[key] = { mean, std: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
  }
  return out;
}
