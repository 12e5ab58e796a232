import { readFileSync, writeFileSync } from 'node:fs';
import { EngineError } from '../contracts/errors.ts';

/**
 * Reads a file of a run (or of a model folder): a missing one is named by its run and place in it,
 * with what to do, instead of a raw ENOENT.
 */
export function readArtifact(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const inRun = /[\\/]runs[\\/](run_[^\\/]+)[\\/](.+)$/.exec(path);
    const what = inRun ? `run ${inRun[1]} is missing ${inRun[2]!.replaceAll('\\', '/')}` : `${path} is missing`;
    throw new EngineError('not-found', `${what}; retrain or delete it`, { file: path, hint: 'train the run again (or delete it); its folder lost this file' });
  }
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
  const body = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  writeFileSync(path, Buffer.concat([MAGIC, len, Buffer.from(header, 'latin1'), body]));
}

export interface NpyArray<T extends TypedArray = TypedArray> {
  data: T;
  shape: number[];
}

export function loadNpy(path: string): NpyArray {
  const buf = readArtifact(path);
  if (!buf.subarray(0, 6).equals(MAGIC.subarray(0, 6))) throw new Error(`${path}: not a .npy file`);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran-ordered arrays are not supported`);
  const dtype = DTYPES.find((d) => d.descr === descr);
  if (!dtype) throw new Error(`${path}: unsupported dtype ${descr}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLen;
  const copy = new ArrayBuffer(buf.length - start);
  new Uint8Array(copy).set(buf.subarray(start));
  return { data: new dtype.ctor(copy), shape };
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
