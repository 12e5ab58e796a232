const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased word tokens (letters and digits); single characters are dropped as noise. */
export function wordTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) if (m[0].length > 1) out.push(m[0]);
  return out;
}
