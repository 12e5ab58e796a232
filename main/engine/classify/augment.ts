import { mulberry32 } from '../common/random.ts';

export interface AugmentOptions {
  copies: number;
  deleteProb: number;
  swapProb: number;
}

/** One noisy variant of a text: words dropped at random, neighbours swapped at random (EDA-style). */
export function augmentText(text: string, opts: AugmentOptions, random: () => number): string {
  const words = text.split(' ').filter((w) => w !== '');
  const kept = words.filter(() => random() >= opts.deleteProb);
  const out = kept.length > 0 ? kept : words.slice(0, 1);
  for (let i = 0; i + 1 < out.length; i++) {
    if (random() < opts.swapProb) {
      const t = out[i]!;
      out[i] = out[i + 1]!;
      out[i + 1] = t;
      i++;
    }
  }
  return out.join(' ');
}

/** Augmented copies of training rows only (never validation or test); variants equal to their source are skipped. */
export function augmentRows<T extends { text: string; label: string }>(
  rows: readonly T[],
  opts: AugmentOptions,
  seed: number,
): { text: string; label: string }[] {
  const random = mulberry32(seed);
  const out: { text: string; label: string }[] = [];
  for (const row of rows) {
    for (let c = 0; c < opts.copies; c++) {
      const text = augmentText(row.text, opts, random);
      if (text !== row.text) out.push({ text, label: row.label });
    }
  }
  return out;
}
