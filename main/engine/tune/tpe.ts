import { normal } from '../common/random.ts';

/**
 * A Tree-structured Parzen Estimator in its simplest form (Bergstra et al., NeurIPS 2011), over
 * independent params in [0, 1]: after a few random points, the observations are split into the
 * best quarter ("good") and the rest; candidates are drawn around good points, and the one with
 * the highest ratio of good to bad density is tried next. Higher scores are better.
 */
export interface Observation {
  point: number[];
  score: number;
}

export interface TpeOptions {
  /** random points before the model is used */
  startup: number;
  /** fraction of observations taken as good */
  gamma: number;
  candidates: number;
}

export const TPE_DEFAULTS: TpeOptions = { startup: 5, gamma: 0.25, candidates: 24 };

/** Parzen density at x of kernels centred on `centres` (one dimension), mixed with a uniform prior. */
function density(x: number, centres: number[], bandwidth: number): number {
  let sum = 1; // the uniform prior on [0, 1], weighted as one kernel
  for (const c of centres) sum += Math.exp(-0.5 * ((x - c) / bandwidth) ** 2) / (bandwidth * Math.sqrt(2 * Math.PI));
  return sum / (centres.length + 1);
}

function bandwidthFor(n: number): number {
  return Math.max(0.05, 0.3 * n ** -0.2);
}

export function suggest(dims: number, history: readonly Observation[], rand: () => number, options: TpeOptions = TPE_DEFAULTS): number[] {
  if (history.length < options.startup) return Array.from({ length: dims }, () => rand());
  const sorted = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(options.gamma * sorted.length));
  const good = sorted.slice(0, nGood).map((o) => o.point);
  const bad = sorted.slice(nGood).map((o) => o.point);
  const bwGood = bandwidthFor(good.length);
  const bwBad = bandwidthFor(Math.max(1, bad.length));
  let best: number[] = [];
  let bestRatio = -Infinity;
  for (let c = 0; c < options.candidates; c++) {
    const centre = good[Math.floor(rand() * good.length)]!;
    const point = centre.map((v) => Math.min(1, Math.max(0, v + bwGood * normal(rand))));
    let logRatio = 0;
    for (let d = 0; d < dims; d++) {
      logRatio +=
        Math.log(
          density(
            point[d]!,
            good.map((p) => p[d]!),
            bwGood,
          ),
        ) -
        Math.log(
          density(
            point[d]!,
            bad.map((p) => p[d]!),
            bwBad,
          ),
        );
    }
    if (logRatio > bestRatio) {
      bestRatio = logRatio;
      best = point;
    }
  }
  return best;
}
