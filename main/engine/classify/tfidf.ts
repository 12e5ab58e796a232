import { hashToken, tokenize } from './tokenize.ts';

/** Rows of a sparse matrix (CSR): row i holds columns indices[offsets[i]..offsets[i+1]). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  offsets: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface TfidfOptions {
  lowercase: boolean;
  maxTokens: number;
  /** 1: words; 2: words and word bigrams */
  wordNgrams: 1 | 2;
  /** 0: none; n: also character n-grams of 2..n characters inside each word, padded by spaces (char_wb) */
  charNgrams: number;
  /** a term needs this many training texts */
  minDf: number;
  /** the most frequent terms (by document frequency) kept */
  maxFeatures: number;
}

/**
 * Open-addressing table from a 32-bit term hash to an integer, in typed arrays: a million terms
 * take 16 MB instead of a Map's ~80 MB. Terms are identified by their FNV-1a hash; among a million
 * terms about a hundred pairs collide in 2³² and share a column.
 */
export class TermTable {
  keys: Uint32Array;
  values: Int32Array;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 1024;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.values = new Int32Array(cap).fill(-1);
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    let i = h & mask;
    while (this.values[i] !== -1 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  get(key: number): number {
    return this.values[this.slot(key)]!;
  }

  /** Adds `by` to the key's value (a missing key counts from 0). */
  add(key: number, by: number): void {
    let i = this.slot(key);
    if (this.values[i] === -1) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.values[i] = 0;
      this.size++;
    }
    this.values[i] = this.values[i]! + by;
  }

  set(key: number, value: number): void {
    this.add(key, 0);
    this.values[this.slot(key)] = value;
  }

  forEach(fn: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.values[i] !== -1) fn(this.keys[i]!, this.values[i]!);
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2).fill(-1);
    for (let i = 0; i < keys.length; i++) {
      if (values[i] === -1) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.values[s] = values[i]!;
    }
  }
}

const CHAR_SEED = 0x5bd1e995;

function charGramHashes(token: string, maxN: number, out: number[]): void {
  const padded = ` ${token} `;
  for (let n = 2; n <= maxN; n++) {
    for (let start = 0; start + n <= padded.length; start++) {
      let h = 0x811c9dc5 ^ CHAR_SEED;
      for (let i = start; i < start + n; i++) {
        h ^= padded.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
      // a leading 0x02 marks character n-grams, so "ab" the word and "ab" the n-gram differ
      out.push(Math.imul(h ^ 0x02, 0x01000193) >>> 0);
    }
  }
}

/** The hashed terms of one text, repeats included. */
export function termHashes(text: string, opts: Pick<TfidfOptions, 'lowercase' | 'maxTokens' | 'wordNgrams' | 'charNgrams'>): number[] {
  const tokens = tokenize(text, opts.lowercase, opts.maxTokens);
  const words = tokens.map(hashToken);
  const out = words.slice();
  if (opts.wordNgrams === 2) {
    // fastText's bigram mixing constant
    for (let i = 1; i < words.length; i++) out.push((Math.imul(words[i - 1]!, 116049371) + words[i]!) >>> 0);
  }
  if (opts.charNgrams >= 2) for (const t of tokens) charGramHashes(t, opts.charNgrams, out);
  return out;
}

/**
 * TF-IDF over hashed word n-grams (and optionally character n-grams), as scikit-learn's
 * TfidfVectorizer with sublinear_tf, smooth_idf and norm='l2': weight (1 + ln tf)·idf, idf =
 * ln((1 + n) / (1 + df)) + 1, rows scaled to unit length. The vocabulary is the terms found in at
 * least `minDf` training texts, at most `maxFeatures` of them (highest df first).
 */
export class TfidfVectorizer {
  readonly opts: TfidfOptions;
  private columns = new TermTable();
  /** term hash of each column (for saving) */
  terms: Uint32Array = new Uint32Array(0);
  idf: Float32Array = new Float32Array(0);

  constructor(opts: TfidfOptions) {
    this.opts = opts;
  }

  get size(): number {
    return this.terms.length;
  }

  /** A vectorizer restored from its saved terms and idf. */
  static restore(opts: TfidfOptions, terms: Uint32Array, idf: Float32Array): TfidfVectorizer {
    const v = new TfidfVectorizer(opts);
    v.setVocabulary(terms, idf);
    return v;
  }

  private setVocabulary(terms: Uint32Array, idf: Float32Array): void {
    this.terms = terms;
    this.idf = idf;
    this.columns = new TermTable(terms.length);
    terms.forEach((t, c) => this.columns.set(t, c));
  }

  /** Learns the vocabulary and idf from the training texts and returns their matrix. */
  fitTransform(texts: readonly string[]): CsrMatrix {
    const hashed = texts.map((t) => Uint32Array.from(termHashes(t, this.opts)));
    const df = new TermTable(1 << 16);
    for (const h of hashed) {
      const distinct = h.slice().sort();
      for (let k = 0; k < distinct.length; k++) if (k === 0 || distinct[k] !== distinct[k - 1]) df.add(distinct[k]!, 1);
    }
    // the df threshold that keeps at most maxFeatures terms; ties at the threshold in table order
    const histogram = new Int32Array(texts.length + 2);
    df.forEach((_, count) => {
      if (count >= this.opts.minDf) histogram[count]!++;
    });
    let threshold = texts.length + 1;
    let kept = 0;
    while (threshold > this.opts.minDf && kept + histogram[threshold - 1]! <= this.opts.maxFeatures) kept += histogram[--threshold]!;
    let atThreshold = this.opts.maxFeatures - kept;
    const terms: number[] = [];
    const idf: number[] = [];
    df.forEach((term, count) => {
      if (count < this.opts.minDf || count < threshold - 1) return;
      if (count === threshold - 1) {
        if (atThreshold === 0) return;
        atThreshold--;
      }
      terms.push(term);
      idf.push(Math.log((1 + texts.length) / (1 + count)) + 1);
    });
    this.setVocabulary(Uint32Array.from(terms), Float32Array.from(idf));
    return this.toMatrix(hashed);
  }

  transform(texts: readonly string[]): CsrMatrix {
    return this.toMatrix(texts.map((t) => Uint32Array.from(termHashes(t, this.opts))));
  }

  private toMatrix(hashed: readonly Uint32Array[]): CsrMatrix {
    const offsets = new Int32Array(hashed.length + 1);
    let indices = new Int32Array(1024);
    let values = new Float32Array(1024);
    let used = 0;
    const cols = new Int32Array(hashed.reduce((m, h) => Math.max(m, h.length), 0));
    hashed.forEach((h, i) => {
      let n = 0;
      for (let k = 0; k < h.length; k++) {
        const c = this.columns.get(h[k]!);
        if (c >= 0) cols[n++] = c;
      }
      const sorted = cols.subarray(0, n).sort();
      if (used + n > indices.length) {
        const cap = Math.max(indices.length * 2, used + n);
        const grownI = new Int32Array(cap);
        grownI.set(indices.subarray(0, used));
        const grownV = new Float32Array(cap);
        grownV.set(values.subarray(0, used));
        indices = grownI;
        values = grownV;
      }
      const start = used;
      let norm = 0;
      for (let k = 0; k < n;) {
        let end = k + 1;
        while (end < n && sorted[end] === sorted[k]) end++;
        const w = (1 + Math.log(end - k)) * this.idf[sorted[k]!]!;
        indices[used] = sorted[k]!;
        values[used++] = w;
        norm += w * w;
        k = end;
      }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = start; k < used; k++) values[k] = values[k]! * inv;
      offsets[i + 1] = used;
    });
    return { rows: hashed.length, cols: this.size, offsets, indices: indices.slice(0, used), values: values.slice(0, used) };
  }
}
