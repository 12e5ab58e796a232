const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased word tokens (letters and digits); single characters are dropped as noise. */
export function wordTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) if (m[0].length > 1) out.push(m[0]);
  return out;
}

/** The distinct word tokens of `text`, in order, split by whether `known` has them. */
export function splitQueryWords(text: string, known: (word: string) => boolean): { used: string[]; unknown: string[] } {
  const used: string[] = [];
  const unknown: string[] = [];
  for (const w of new Set(wordTokens(text))) (known(w) ? used : unknown).push(w);
  return { used, unknown };
}
