/**
 * Word tokens and their hashed unigram/bigram buckets (the fastText feature design: no dictionary,
 * so any text maps to features without a vocabulary pass, and memory is bounded by the bucket count).
 */
const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}]/gu;

export function tokenize(text: string, lowercase: boolean, maxTokens: number): string[] {
  const source = lowercase ? text.toLowerCase() : text;
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(source); m !== null && out.length < maxTokens; m = TOKEN_RE.exec(source)) out.push(m[0]);
  return out;
}

/** FNV-1a over UTF-16 code units, unsigned 32-bit. */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Bucket ids of the unigrams and (when wordNgrams is 2) the bigrams of a token list. */
export function featureBuckets(tokens: readonly string[], buckets: number, wordNgrams: 1 | 2): number[] {
  const hashes = tokens.map(hashToken);
  const out: number[] = hashes.map((h) => h % buckets);
  if (wordNgrams === 2) {
    for (let i = 1; i < hashes.length; i++) {
      // the multiplier is fastText's bigram mixing constant
      out.push(((Math.imul(hashes[i - 1]!, 116049371) + hashes[i]!) >>> 0) % buckets);
    }
  }
  return out;
}
