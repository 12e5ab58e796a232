import { mulberry32, shuffleInPlace } from '../common/random.ts';

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

function byClass(labels: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => {
    let g = groups.get(l);
    if (!g) groups.set(l, (g = []));
    g.push(i);
  });
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}

/**
 * Stratified train/validation/test split: each class is shuffled and cut in the same proportions.
 * `test` is a fraction of all rows, `validation` a fraction of what remains; a class keeps at least
 * one training row.
 */
export function stratifiedSplit(labels: readonly string[], test: number, validation: number, seed: number): SplitIndices {
  const random = mulberry32(seed);
  const out: SplitIndices = { train: [], validation: [], test: [] };
  for (const group of byClass(labels)) {
    shuffleInPlace(group, random);
    const n = group.length;
    const nTest = Math.min(n - 1, Math.round(n * test));
    const nVal = Math.min(n - nTest - 1, Math.round((n - nTest) * validation));
    out.test.push(...group.slice(0, nTest));
    out.validation.push(...group.slice(nTest, nTest + nVal));
    out.train.push(...group.slice(nTest + nVal));
  }
  for (const part of [out.train, out.validation, out.test]) part.sort((a, b) => a - b);
  return out;
}

/** Stratified k folds: returns the held-out indices of each fold; every row is held out exactly once. */
export function stratifiedKFold(labels: readonly string[], nSplits: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const folds: number[][] = Array.from({ length: nSplits }, () => []);
  let next = 0;
  for (const group of byClass(labels)) {
    shuffleInPlace(group, random);
    for (const i of group) {
      folds[next]!.push(i);
      next = (next + 1) % nSplits;
    }
  }
  for (const f of folds) f.sort((a, b) => a - b);
  return folds;
}
