import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { EngineError } from '../../common/contracts/errors.ts';

export type TextEncoding = 'utf-8' | 'latin1';

/** Bytes read per chunk when streaming a source file. */
const CHUNK_BYTES = 1 << 20;

/**
 * The file's bytes as UTF-8, streamed: UTF-8 input is validated (invalid bytes fail the import
 * naming the line that holds them), Latin-1 input is transcoded; a leading BOM is dropped.
 */
export function utf8Bytes(path: string, encoding: TextEncoding): Readable {
  const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const check = new Utf8Check(path, encoding);
  source.on('error', (e) => check.destroy(e));
  return source.pipe(check);
}

class Utf8Check extends Transform {
  private readonly path: string;
  private readonly encoding: TextEncoding;
  private carry: Buffer | null = null;
  private first = true;
  constructor(path: string, encoding: TextEncoding) {
    super();
    this.path = path;
    this.encoding = encoding;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    if (this.first) {
      this.first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (this.encoding === 'latin1') {
      done(null, Buffer.from(buf.toString('latin1'), 'utf8'));
      return;
    }
    const cut = completeLength(buf);
    if (cut < buf.length) this.carry = Buffer.from(buf.subarray(cut));
    const body = buf.subarray(0, cut);
    if (!isUtf8(body)) this.fail(done);
    else done(null, body);
  }
  override _flush(done: TransformCallback): void {
    if (this.carry) this.fail(done);
    else done();
  }
  private fail(done: TransformCallback): void {
    locateInvalidUtf8(this.path).then(
      (at) => done(invalidUtf8Error(this.path, at)),
      (e: unknown) => done(e as Error),
    );
  }
}

/** Length of `buf` without a multi-byte sequence cut off at its end. */
function completeLength(buf: Buffer): number {
  let k = buf.length - 1;
  while (k >= 0 && buf.length - k <= 3 && (buf[k]! & 0xc0) === 0x80) k--;
  if (k < 0) return buf.length;
  const b = buf[k]!;
  const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return k + len > buf.length ? k : buf.length;
}

interface InvalidUtf8 {
  /** byte offset of the first invalid byte */
  offset: number;
  /** 1-based line holding it */
  line: number;
  byte: number;
  /** bytes 0x80–0x9F seen before: Windows-1252 rather than Latin-1 */
  suggestion: string;
  /** the bytes around it are binary data, not text in a single-byte encoding */
  binary: boolean;
}

/**
 * Whether bytes look like binary data rather than text in any encoding: more than 1% (and more
 * than 2) C0 control bytes other than tab, line feed, form feed and carriage return. Text in UTF-8,
 * Latin-1 or Windows-1252 has next to none (a stray NUL in an id is reported where it is); random
 * or compressed bytes have about 10%.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  let controls = 0;
  for (const b of bytes) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f) controls++;
  return controls > bytes.length / 100 + 2;
}

/** The error for a file that holds binary data (from byte `offset`, on `line`, when known). */
export function notTextError(path: string, at?: { offset: number; line: number }): EngineError {
  const file = basename(path);
  const where = at ? ` (binary data from byte ${at.offset}, line ${at.line})` : '';
  return new EngineError('invalid-input', `${file}: this is not a text file${where}; give a CSV, TSV, JSON lines or Parquet file`, {
    file: path,
    ...(at ? { line: at.line, offset: at.offset } : {}),
    hint: 'check that you picked the right file; export the data as CSV if it comes from a spreadsheet or database',
  });
}

function invalidUtf8Error(path: string, at: InvalidUtf8 | null): EngineError {
  const file = basename(path);
  if (!at) return new EngineError('invalid-input', `${file}: the file is not valid UTF-8`, { file: path });
  if (at.binary) return notTextError(path, at);
  const hex = `0x${at.byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return new EngineError(
    'invalid-input',
    `${file} line ${at.line}: byte ${hex} at offset ${at.offset} is not valid UTF-8. The file looks like ${at.suggestion}: ` +
      `convert it to UTF-8 (e.g. iconv -f ${at.suggestion} -t UTF-8 ${file} > ${file.replace(/(\.\w+)?$/, '-utf8$1')}) and import that file.`,
    { file: path, line: at.line, offset: at.offset, encoding: at.suggestion },
  );
}

/**
 * A whole file's bytes as text, held to the same rules as streamed imports: a leading BOM is
 * dropped; binary data, or bytes that are not UTF-8, fail naming the line (and the encoding the
 * file probably has, with the iconv command that converts it).
 */
export function decodeUtf8Text(path: string, bytes: Buffer): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (looksBinary(body.subarray(0, 1 << 16))) throw notTextError(path);
  if (isUtf8(body)) return body.toString('utf8');
  const { bad, end } = scanUtf8(body);
  const at = bad >= 0 ? bad : end;
  throw invalidUtf8Error(path, invalidAt(body, at, 0, 1 + countByte(body, 0x0a, at)));
}

/** What the invalid byte at `bad` of `buf` (which starts at file offset `base`, on `line`) looks like. */
function invalidAt(buf: Buffer, bad: number, base: number, line: number): InvalidUtf8 {
  const window = buf.subarray(bad, bad + 4096);
  const c1Controls = window.some((b) => b >= 0x80 && b <= 0x9f);
  return { offset: base + bad, line, byte: buf[bad]!, suggestion: c1Controls ? 'WINDOWS-1252' : 'LATIN1', binary: looksBinary(window) };
}

/** Finds the first byte that breaks UTF-8 (null when the file is valid). Error path only. */
async function locateInvalidUtf8(path: string): Promise<InvalidUtf8 | null> {
  let base = 0;
  let line = 1;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const { bad, end } = scanUtf8(buf);
    const stop = bad >= 0 ? bad : end;
    line += countByte(buf, 0x0a, stop);
    if (bad >= 0) return invalidAt(buf, bad, base, line);
    carry = buf.subarray(end);
    base += end;
  }
  if (carry.length) return invalidAt(carry, 0, base, line);
  return null;
}

function countByte(buf: Buffer, byte: number, end: number): number {
  let n = 0;
  for (let at = buf.indexOf(byte); at >= 0 && at < end; at = buf.indexOf(byte, at + 1)) n++;
  return n;
}

/**
 * Scans UTF-8: `bad` is the index of the first invalid byte (-1 if none); `end` is where a
 * sequence cut off by the end of the buffer starts (buf.length when none is).
 */
export function scanUtf8(buf: Uint8Array): { bad: number; end: number } {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return { bad: i, end: n };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { bad: -1, end: i };
      const c = buf[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return { bad: i, end: n };
    }
    i += need + 1;
  }
  return { bad: -1, end: n };
}
