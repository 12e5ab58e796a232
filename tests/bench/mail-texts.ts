import { loadSpamAssassin } from '../../main/engine/classify/spam-assassin.ts';

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

/**
 * Distinct sentences of the mail bodies (six words or more, quoted lines dropped), then each
 * sentence joined with the next: short item texts, over 100k of them.
 */
export function mailSentences(): string[] {
  const sentences = new Set<string>();
  for (const body of mailBodies()) {
    for (const part of body.split(/(?<=[.!?])\s+|\n\s*\n/)) {
      const s = part.replace(/\s+/g, ' ').trim();
      if (s.split(' ').length >= 6 && /[a-z]{3}/.test(s) && !/^[>|]/.test(s)) sentences.add(s);
    }
  }
  const list = [...sentences];
  return [...list, ...list.slice(0, -1).map((s, i) => `${s} ${list[i + 1]}`)];
}
