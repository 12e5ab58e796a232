/**
 * What tuning searches: per stage, ranges of its config params. Ranges that span orders of
 * magnitude are searched on a log scale; the sampler works in [0, 1] per param.
 */
export interface ParamRange {
  /** key inside the stage's config section, e.g. "factors" for als.factors */
  key: string;
  low: number;
  high: number;
  log: boolean;
  integer: boolean;
}

export const SEARCH_SPACES: Readonly<Record<string, readonly ParamRange[]>> = {
  als: [
    { key: 'factors', low: 8, high: 256, log: true, integer: true },
    { key: 'regularization', low: 1e-3, high: 100, log: true, integer: false },
    { key: 'alpha', low: 0.5, high: 100, log: true, integer: false },
    { key: 'iterations', low: 5, high: 30, log: false, integer: true },
  ],
  itemknn: [
    { key: 'neighbours', low: 10, high: 1000, log: true, integer: true },
    { key: 'shrink', low: 1, high: 1000, log: true, integer: false },
  ],
  ease: [{ key: 'lambda', low: 1, high: 1e5, log: true, integer: false }],
};

export function tunableStages(): string[] {
  return Object.keys(SEARCH_SPACES);
}

/** [0, 1] → a value in the range (rounded for integer params). */
export function fromUnit(range: ParamRange, u: number): number {
  const x = Math.min(1, Math.max(0, u));
  const v = range.log ? Math.exp(Math.log(range.low) + x * (Math.log(range.high) - Math.log(range.low))) : range.low + x * (range.high - range.low);
  return range.integer ? Math.round(v) : Number(v.toPrecision(4));
}

/** A value of the range → [0, 1] (the inverse of fromUnit, up to rounding). */
export function toUnit(range: ParamRange, v: number): number {
  const u = range.log ? (Math.log(v) - Math.log(range.low)) / (Math.log(range.high) - Math.log(range.low)) : (v - range.low) / (range.high - range.low);
  return Math.min(1, Math.max(0, u));
}
