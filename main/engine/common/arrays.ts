import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { EngineError } from '../../common/contracts/errors.ts';

/**
 * Opens or reads a file of a run (or of a model folder): a missing one is named by its run and place
 * in it, with what to do, instead of a raw ENOENT.
 */
function artifact<T>(path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const inRun = /[\\/]runs[\\/](run_[^\\/]+)[\\/](.+)$/.exec(path);
    const what = inRun ? `run ${inRun[1]} is missing ${inRun[2]!.replaceAll('\\', '/')}` : `${path} is missing`;
    throw new EngineError('not-found', `${what}; retrain or delete it`, { file: path, hint: 'train the run again (or delete it); its folder lost this file' });
  }
}

/** A file of a run, read whole. */
export function readArtifact(path: string): Buffer {
  return artifact(path, (p) => readFileSync(p));
}

/** A JSON file of a run, read like readArtifact. */
export function readArtifactJson<T>(path: string): T {
  return JSON.parse(readArtifact(path).toString('utf8')) as T;
}

/**
 * Model weights are saved as NumPy .npy files (format 1.0, little-endian, C order):
 * binary, self-describing, and readable by numpy.load for analysts who leave the app.
 */
type TypedArray = Float32Array | Float64Array | Int32Array;

const DTYPES: { descr: string; ctor: new (buf: ArrayBuffer) => TypedArray; bytes: number }[] = [
  { descr: '<f4', ctor: Float32Array, bytes: 4 },
  { descr: '<f8', ctor: Float64Array, bytes: 8 },
  { descr: '<i4', ctor: Int32Array, bytes: 4 },
];

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);

function descrOf(a: TypedArray): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Float64Array) return '<f8';
  return '<i4';
}

export function saveNpy(path: string, array: TypedArray, shape: number[]): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== array.length) throw new Error(`saveNpy: shape ${shape.join('x')} does not match length ${array.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(array)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  // header and body written separately: a large array is never copied into one buffer
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, Buffer.concat([MAGIC, len, Buffer.from(header, 'latin1')]));
    writeAll(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Reads exactly into `into` from `position`, or fails on a short file. */
function readAll(fd: number, into: Uint8Array, position: number, path: string): void {
  for (let done = 0; done < into.length;) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`${path}: file ends early`);
    done += n;
  }
}

export interface NpyArray<T extends TypedArray = TypedArray> {
  data: T;
  shape: number[];
}

/** Reads the body straight into the array's own memory: a large array is never held twice. */
export function loadNpy(path: string): NpyArray {
  const fd = artifact(path, (p) => openSync(p, 'r'));
  try {
    const size = fstatSync(fd).size;
    if (size < 10) throw new Error(`${path}: not a .npy file`);
    const preamble = Buffer.alloc(10);
    readAll(fd, preamble, 0, path);
    if (!preamble.subarray(0, 6).equals(MAGIC.subarray(0, 6))) throw new Error(`${path}: not a .npy file`);
    const headerLen = preamble.readUInt16LE(8);
    const headerBytes = Buffer.alloc(headerLen);
    readAll(fd, headerBytes, 10, path);
    const header = headerBytes.toString('latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
    if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran-ordered arrays are not supported`);
    const dtype = DTYPES.find((d) => d.descr === descr);
    if (!dtype) throw new Error(`${path}: unsupported dtype ${descr}`);
    const shape = shapeText
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
    const start = 10 + headerLen;
    const expected = shape.reduce((a, b) => a * b, 1) * dtype.bytes;
    if (size - start !== expected)
      throw new Error(`${path}: holds ${Math.max(0, size - start)} bytes of data, its shape (${shape.join(', ')}) needs ${expected}`);
    const body = new ArrayBuffer(expected);
    readAll(fd, new Uint8Array(body), start, path);
    return { data: new dtype.ctor(body), shape };
  } finally {
    closeSync(fd);
  }
}

export function loadFloat32(path: string): NpyArray<Float32Array> {
  const a = loadNpy(path);
  if (!(a.data instanceof Float32Array)) throw new Error(`${path}: expected float32`);
  return a as NpyArray<Float32Array>;
}

/** Id mappings (index → external id) are plain text, one id per line. */
export function saveIds(path: string, ids: readonly string[]): void {
  writeFileSync(path, ids.length ? ids.join('\n') + '\n' : '');
}

export function loadIds(path: string): string[] {
  const text = readArtifact(path).toString('utf8');
  if (text === '') return [];
  const ids = text.split('\n');
  ids.pop();
  return ids;
}
