import { loadSpamAssassin } from '../../main/engine/text/spam-assassin.ts';

/** SpamAssassin mail bodies (headers dropped), standing in for item descriptions. */
export function mailBodies(): string[] {
  return loadSpamAssassin().map(({ text }) => text.slice(text.indexOf('\n\n') + 2));
}

/** The embed bench's texts: the first `count` mail bodies, cut to 1,000 characters, whitespace collapsed. */
export function benchTexts(count: number): string[] {
  return mailBodies()
    .slice(0, count)
    .map((body) => body.slice(0, 1000).replace(/\s+/g, ' '));
}

/** `count` of `texts`, evenly spaced, so a smaller sample keeps the mix of the whole. */
export function evenSample<T>(texts: readonly T[], count: number): T[] {
  const n = Math.min(count, texts.length);
  return Array.from({ length: n }, (_, i) => texts[Math.floor((i * texts.length) / n)]!);
}
