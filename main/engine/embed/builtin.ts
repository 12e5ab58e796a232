import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { Csr } from '../data/types.ts';
import type { TaskContext } from '../common/task-context.ts';
import { loadFloat32, loadIds, saveIds, saveNpy } from '../common/arrays.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from './provider.ts';
import { randomizedSvd } from './randomized-svd.ts';
import { splitQueryWords, wordTokens } from './tokenize.ts';

export interface BuiltinOptions {
  /** target dimensions; the fitted model may have fewer (capped by the rank of the corpus) */
  dimensions?: number;
  seed?: number;
  /** minimum document frequency of a word; default 2, or 1 for catalogues under 1000 texts */
  minDf?: number;
  /** most frequent words kept */
  maxVocabulary?: number;
  powerIterations?: number;
}

interface Fitted {
  vocabulary: Map<string, number>;
  idf: Float32Array;
  /** vocabulary × dimensions, row-major: the LSA fold-in projection */
  projection: Float32Array;
  dimensions: number;
}

const FILES = { params: 'builtin.json', vocabulary: 'builtin-vocabulary.txt', idf: 'builtin-idf.npy', projection: 'builtin-projection.npy' };

/**
 * The offline default: TF-IDF (sublinear tf, smoothed idf, L2-normalised rows) over the catalogue,
 * reduced to `dimensions` by a randomized truncated SVD — latent semantic analysis. Unseen text is
 * folded in with the learned projection, so queries embed into the same space as the catalogue.
 */
export class BuiltinLsaProvider implements EmbeddingProvider {
  readonly name = 'builtin';
  readonly options: Required<Omit<BuiltinOptions, 'minDf'>> & { minDf: number | null };
  private fitted: Fitted | null = null;

  constructor(options: BuiltinOptions = {}) {
    const dimensions = options.dimensions ?? 256;
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new EngineError('invalid-input', `semantic.dimensions must be a positive integer, got ${dimensions}`, { field: 'dimensions' });
    }
    this.options = {
      dimensions,
      seed: options.seed ?? 42,
      minDf: options.minDf ?? null,
      maxVocabulary: options.maxVocabulary ?? 100_000,
      powerIterations: options.powerIterations ?? 2,
    };
  }

  get dimensions(): number {
    return this.fitted?.dimensions ?? this.options.dimensions;
  }

  get vocabularySize(): number {
    return this.fitted?.vocabulary.size ?? 0;
  }

  async fit(corpus: readonly string[], ctx: TaskContext): Promise<void> {
    const minDf = this.options.minDf ?? (corpus.length < 1000 ? 1 : 2);
    const { x, vocabulary, idf } = tfidfMatrix(corpus, minDf, this.options.maxVocabulary, ctx);
    const svd = randomizedSvd(x, {
      rank: this.options.dimensions,
      seed: this.options.seed,
      powerIterations: this.options.powerIterations,
      signal: ctx.signal,
      onPass: (pass, total) => {
        throwIfCancelled(ctx.signal);
        ctx.progress({ stage: 'embed.fit', current: pass, total, unit: 'passes' });
      },
    });
    if (svd.rank === 0)
      throw new EngineError('invalid-input', 'the catalogue texts have no variation to learn from (all empty or identical)', { field: 'template' });
    this.fitted = { vocabulary, idf, projection: svd.components, dimensions: svd.rank };
    ctx.log('info', `builtin LSA: ${corpus.length} texts, ${vocabulary.size} words (min df ${minDf}), ${svd.rank} dimensions`);
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    const f = this.requireFitted();
    const d = f.dimensions;
    const out = new Float32Array(texts.length * d);
    const acc = new Float64Array(d);
    for (let i = 0; i < texts.length; i++) {
      if (i % 1024 === 0) throwIfCancelled(ctx.signal);
      const terms = termCounts(wordTokens(texts[i]!), f.vocabulary);
      let norm = 0;
      const weights: [number, number][] = [];
      for (const [t, tf] of terms) {
        const w = (1 + Math.log(tf)) * f.idf[t]!;
        weights.push([t, w]);
        norm += w * w;
      }
      if (norm === 0) continue;
      acc.fill(0);
      for (const [t, w] of weights) {
        const o = t * d;
        for (let k = 0; k < d; k++) acc[k]! += w * f.projection[o + k]!;
      }
      let len = 0;
      for (let k = 0; k < d; k++) len += acc[k]! * acc[k]!;
      if (len === 0) continue;
      const inv = 1 / Math.sqrt(len);
      for (let k = 0; k < d; k++) out[i * d + k] = acc[k]! * inv;
    }
    return out;
  }

  async queryWords(text: string): Promise<QueryWords> {
    const { vocabulary } = this.requireFitted();
    return splitQueryWords(text, (w) => vocabulary.has(w));
  }

  effective(): EmbeddingEffective {
    return { provider: 'builtin', model: 'tfidf-lsa', dimensions: this.dimensions, device: 'cpu', truncated: 0 };
  }

  /** Writes the fitted state: vocabulary as text, idf and projection as .npy, parameters as JSON. */
  save(dir: string): void {
    const f = this.requireFitted();
    const words = [...f.vocabulary.keys()];
    saveIds(join(dir, FILES.vocabulary), words);
    saveNpy(join(dir, FILES.idf), f.idf, [f.idf.length]);
    saveNpy(join(dir, FILES.projection), f.projection, [words.length, f.dimensions]);
    writeFileSync(join(dir, FILES.params), JSON.stringify({ ...this.options, fittedDimensions: f.dimensions }, null, 2));
  }

  static isSavedIn(dir: string): boolean {
    return existsSync(join(dir, FILES.params));
  }

  static load(dir: string): BuiltinLsaProvider {
    const params = JSON.parse(readFileSync(join(dir, FILES.params), 'utf8')) as BuiltinOptions & { minDf: number | null };
    const provider = new BuiltinLsaProvider({ ...params, minDf: params.minDf ?? undefined });
    const words = loadIds(join(dir, FILES.vocabulary));
    const idf = loadFloat32(join(dir, FILES.idf));
    const projection = loadFloat32(join(dir, FILES.projection));
    const [rows, dims] = projection.shape;
    if (rows !== words.length || idf.data.length !== words.length || !dims) {
      throw new EngineError(
        'invalid-input',
        `${dir}: builtin embedding files disagree (${words.length} words, idf ${idf.data.length}, projection ${projection.shape.join('x')}); rebuild the semantic index`,
      );
    }
    provider.fitted = { vocabulary: new Map(words.map((w, i) => [w, i])), idf: idf.data, projection: projection.data, dimensions: dims };
    return provider;
  }

  private requireFitted(): Fitted {
    if (!this.fitted)
      throw new EngineError(
        'invalid-input',
        'the builtin embedding provider must be fitted on the catalogue (fit) or loaded from a saved index before it can embed',
      );
    return this.fitted;
  }
}

/**
 * The catalogue's TF-IDF matrix as the builtin provider fits it: documents × vocabulary (words with
 * document frequency ≥ minDf, at most maxVocabulary of them), sublinear tf, smoothed idf, unit rows.
 */
export function tfidfMatrix(
  corpus: readonly string[],
  minDf: number,
  maxVocabulary: number,
  ctx: TaskContext,
): { x: Csr; vocabulary: Map<string, number>; idf: Float32Array } {
  const { words, tokens, ends } = tokenIds(corpus, ctx);
  const df = documentFrequencies(tokens, ends, words.length);
  const term = selectVocabulary(words, df, minDf, maxVocabulary);
  const byTerm: string[] = [];
  term.forEach((t, id) => t >= 0 && (byTerm[t] = words[id]!));
  // in term order: save() writes the vocabulary in the order of the map
  const vocabulary = new Map(byTerm.map((w, t) => [w, t]));
  if (vocabulary.size === 0) {
    throw new EngineError(
      'invalid-input',
      `the ${corpus.length} catalogue texts contain no word that occurs in at least ${minDf} of them: check the item text template and the catalogue columns`,
      { field: 'template' },
    );
  }
  const idf = new Float32Array(vocabulary.size);
  for (let id = 0; id < words.length; id++) if (term[id]! >= 0) idf[term[id]!] = Math.log((1 + corpus.length) / (1 + df[id]!)) + 1;
  const x = countRows(tokens, ends, term, vocabulary.size);
  weightRows(x, idf);
  return { x, vocabulary, idf };
}

/**
 * Every text tokenized once: each distinct word gets an id in order of appearance, and the texts are
 * runs of ids in one typed array (text d ends at ends[d]), so no token strings are held.
 */
function tokenIds(corpus: readonly string[], ctx: TaskContext): { words: string[]; tokens: Int32Array; ends: Int32Array } {
  const ids = new Map<string, number>();
  const words: string[] = [];
  let tokens = new Int32Array(1 << 16);
  let n = 0;
  const ends = new Int32Array(corpus.length);
  for (let d = 0; d < corpus.length; d++) {
    if (d % 1024 === 0) throwIfCancelled(ctx.signal);
    for (const w of wordTokens(corpus[d]!)) {
      let id = ids.get(w);
      if (id === undefined) {
        id = words.length;
        ids.set(w, id);
        words.push(w);
      }
      if (n === tokens.length) {
        const grown = new Int32Array(tokens.length * 2);
        grown.set(tokens);
        tokens = grown;
      }
      tokens[n++] = id;
    }
    ends[d] = n;
  }
  return { words, tokens: tokens.subarray(0, n), ends };
}

/** Number of texts each word id occurs in. */
function documentFrequencies(tokens: Int32Array, ends: Int32Array, nWords: number): Int32Array {
  const df = new Int32Array(nWords);
  const lastText = new Int32Array(nWords).fill(-1);
  let p = 0;
  for (let d = 0; d < ends.length; d++) {
    for (; p < ends[d]!; p++) {
      const id = tokens[p]!;
      if (lastText[id] !== d) {
        lastText[id] = d;
        df[id]!++;
      }
    }
  }
  return df;
}

/** Counts of the kept words per text, as CSR with ascending columns: row lengths first, so every array is allocated once at its size. */
function countRows(tokens: Int32Array, ends: Int32Array, term: Int32Array, nTerms: number): Csr {
  const lastText = new Int32Array(nTerms).fill(-1);
  const indptr = new Int32Array(ends.length + 1);
  let p = 0;
  for (let d = 0; d < ends.length; d++) {
    let distinct = 0;
    for (; p < ends[d]!; p++) {
      const t = term[tokens[p]!]!;
      if (t >= 0 && lastText[t] !== d) {
        lastText[t] = d;
        distinct++;
      }
    }
    indptr[d + 1] = indptr[d]! + distinct;
  }
  const indices = new Int32Array(indptr[ends.length]!);
  const data = new Float32Array(indices.length);
  const count = new Float32Array(nTerms);
  p = 0;
  for (let d = 0; d < ends.length; d++) {
    const row = indices.subarray(indptr[d]!, indptr[d + 1]!);
    let k = 0;
    for (; p < ends[d]!; p++) {
      const t = term[tokens[p]!]!;
      if (t < 0) continue;
      if (count[t] === 0) row[k++] = t;
      count[t]!++;
    }
    row.sort();
    for (let q = indptr[d]!; q < indptr[d + 1]!; q++) {
      data[q] = count[indices[q]!]!;
      count[indices[q]!] = 0;
    }
  }
  return { nRows: ends.length, nCols: nTerms, indptr, indices, data };
}

function termCounts(tokens: readonly string[], vocabulary: Map<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const tok of tokens) {
    const t = vocabulary.get(tok);
    if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

/**
 * Words with document frequency ≥ minDf, the maxVocabulary most frequent (ties alphabetical), indexed
 * alphabetically: the term index of each word id, −1 for words left out.
 */
function selectVocabulary(words: readonly string[], df: Int32Array, minDf: number, maxVocabulary: number): Int32Array {
  const byText = (a: number, b: number) => (words[a]! < words[b]! ? -1 : words[a]! > words[b]! ? 1 : 0);
  const kept: number[] = [];
  for (let id = 0; id < words.length; id++) if (df[id]! >= minDf) kept.push(id);
  kept.sort((a, b) => df[b]! - df[a]! || byText(a, b));
  const chosen = kept.slice(0, maxVocabulary).sort(byText);
  const term = new Int32Array(words.length).fill(-1);
  chosen.forEach((id, t) => (term[id] = t));
  return term;
}

/** In place: counts → (1 + ln tf) · idf, each row scaled to unit length. */
function weightRows(x: Csr, idf: Float32Array): void {
  for (let r = 0; r < x.nRows; r++) {
    let norm = 0;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const w = (1 + Math.log(x.data[p]!)) * idf[x.indices[p]!]!;
      x.data[p] = w;
      norm += w * w;
    }
    if (norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) x.data[p]! *= inv;
  }
}
