/**
 * The Faiss index serialisation that sqlite-vss keeps in its `<table>_index` shadow table
 * (Faiss 1.7.3's index_write.cpp, as bundled with sqlite-vss 0.1.2: `SELECT vss_debug()` names
 * the version), for two things sqlite-vss cannot do through SQL: bulk-loading an exact index
 * (every vss0 commit re-serialises the whole index, and one transaction's buffer grows by
 * copying, so row inserts are quadratic either way), and setting HNSW's efConstruction and
 * efSearch (serialised with the graph; vss0 exposes neither).
 *
 * Layout of the index kinds handled here (all little-endian):
 *   header   = fourcc[4] d:i32 ntotal:i64 unused:i64 unused:i64 is_trained:u8 metric_type:i32
 *   vector<T> = count:u64 items:T[count]   (float codes are counted in floats, not bytes)
 *   IDMap2   = "IxM2" header <sub-index> ids:vector<i64>
 *   FlatIP   = "IxFI" header codes:vector<f32>
 *   HNSWFlat = "IHNf" header assign_probas:vector<f64> cum_nneighbor_per_level:vector<i32>
 *              levels:vector<i32> offsets:vector<u64> neighbors:vector<i32>
 *              entry_point:i32 max_level:i32 efConstruction:i32 efSearch:i32 upper_beam:i32 <storage>
 *   IVFFlat  = "IwFl" header nlist:u64 nprobe:u64 <quantizer> <direct map> <inverted lists>
 */
import { EngineError } from '../../common/contracts/errors.ts';

const HEADER_BYTES = 37;
/** faiss::MetricType: METRIC_INNER_PRODUCT = 0, METRIC_L2 = 1 */
const METRIC_INNER_PRODUCT = 0;
/** Faiss writes these two unused header fields as 1 << 20 */
const UNUSED_HEADER_FIELD = 1n << 20n;

export interface FlatIndexContent {
  dims: number;
  /** ntotal × dims, row-major */
  vectors: Float32Array;
  ids: BigInt64Array;
}

export interface HnswSearchParameters {
  efConstruction: number;
  efSearch: number;
}

function unexpected(what: string): EngineError {
  return new EngineError('internal', `the sqlite-vss index is not in the expected Faiss format (${what}); rebuild the semantic stage`);
}

class BlobReader {
  readonly blob: Buffer;
  offset = 0;

  constructor(blob: Buffer) {
    this.blob = blob;
  }

  need(bytes: number): void {
    if (this.offset + bytes > this.blob.length) throw unexpected(`truncated at byte ${this.offset}`);
  }

  fourcc(): string {
    this.need(4);
    const s = this.blob.toString('latin1', this.offset, this.offset + 4);
    this.offset += 4;
    return s;
  }

  int32(): number {
    this.need(4);
    const v = this.blob.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  count(): number {
    this.need(8);
    const v = this.blob.readBigUInt64LE(this.offset);
    this.offset += 8;
    return Number(v);
  }

  /** skips a vector<T> and returns its element count */
  skipVector(itemBytes: number): number {
    const n = this.count();
    this.need(n * itemBytes);
    this.offset += n * itemBytes;
    return n;
  }

  /** reads an index header, checking its fourcc; returns d and ntotal */
  header(fourcc: string): { dims: number; ntotal: number } {
    const found = this.fourcc();
    if (found !== fourcc) throw unexpected(`expected ${fourcc}, found ${JSON.stringify(found)}`);
    const dims = this.int32();
    const ntotal = this.count();
    this.need(8 + 8 + 1);
    this.offset += 8 + 8 + 1;
    const metric = this.int32();
    if (metric !== METRIC_INNER_PRODUCT) throw unexpected(`metric ${metric}, not inner product`);
    return { dims, ntotal };
  }
}

function header(fourcc: string, dims: number, ntotal: number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(fourcc, 0, 'latin1');
  b.writeInt32LE(dims, 4);
  b.writeBigInt64LE(BigInt(ntotal), 8);
  b.writeBigInt64LE(UNUSED_HEADER_FIELD, 16);
  b.writeBigInt64LE(UNUSED_HEADER_FIELD, 24);
  b.writeUInt8(1, 32);
  b.writeInt32LE(METRIC_INNER_PRODUCT, 33);
  return b;
}

function count(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Serialises `Flat,IDMap2` with the inner-product metric: the index vss0 builds for that factory. */
export function encodeFlatIndex({ dims, vectors, ids }: FlatIndexContent): Buffer {
  const n = ids.length;
  if (vectors.length !== n * dims) throw new RangeError(`${vectors.length} floats for ${n} ids of ${dims} dimensions`);
  return Buffer.concat([
    header('IxM2', dims, n),
    header('IxFI', dims, n),
    count(n * dims),
    Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength),
    count(n),
    Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength),
  ]);
}

export function decodeFlatIndex(blob: Buffer): FlatIndexContent {
  const r = new BlobReader(blob);
  const { dims, ntotal } = r.header('IxM2');
  r.header('IxFI');
  const floats = r.count();
  if (floats !== ntotal * dims) throw unexpected(`${floats} floats for ${ntotal} vectors`);
  r.need(floats * 4);
  const vectors = new Float32Array(floats);
  blob.copy(Buffer.from(vectors.buffer), 0, r.offset, r.offset + floats * 4);
  r.offset += floats * 4;
  const n = r.count();
  if (n !== ntotal) throw unexpected(`${n} ids for ${ntotal} vectors`);
  r.need(n * 8);
  const ids = new BigInt64Array(n);
  blob.copy(Buffer.from(ids.buffer), 0, r.offset, r.offset + n * 8);
  return { dims, vectors, ids };
}

/** A `Flat,IDMap2` index blob with `rows` (vectors and their ids) added after its own. */
export function appendToFlatIndex(blob: Buffer, rows: readonly { id: number; vector: Float32Array }[]): Buffer {
  const current = decodeFlatIndex(blob);
  const { dims } = current;
  const before = current.ids.length;
  const vectors = new Float32Array((before + rows.length) * dims);
  vectors.set(current.vectors);
  const ids = new BigInt64Array(before + rows.length);
  ids.set(current.ids);
  rows.forEach((r, i) => {
    vectors.set(r.vector, (before + i) * dims);
    ids[before + i] = BigInt(r.id);
  });
  return encodeFlatIndex({ dims, vectors, ids });
}

/** A copy of an `IVF<n>,Flat,IDMap2` index blob with nprobe (inverted lists visited per query) replaced. */
export function withIvfProbes(blob: Buffer, nprobe: number): Buffer {
  const r = new BlobReader(blob);
  r.header('IxM2');
  r.header('IwFl');
  const nlist = r.count();
  if (!Number.isInteger(nprobe) || nprobe < 1 || nprobe > nlist) {
    throw new EngineError('invalid-input', `nprobe must be an integer from 1 to the index's ${nlist} lists, got ${nprobe}`, { field: 'nprobe' });
  }
  r.need(8);
  const out = Buffer.from(blob);
  out.writeBigUInt64LE(BigInt(nprobe), r.offset);
  return out;
}

/** Offset of efConstruction in an `HNSW<M>,IDMap2` index blob; efSearch follows it. */
function efConstructionOffset(blob: Buffer): number {
  const r = new BlobReader(blob);
  r.header('IxM2');
  r.header('IHNf');
  r.skipVector(8); // assign_probas
  r.skipVector(4); // cum_nneighbor_per_level
  r.skipVector(4); // levels
  r.skipVector(8); // offsets
  r.skipVector(4); // neighbors
  r.need(5 * 4); // entry_point max_level efConstruction efSearch upper_beam
  return r.offset + 8;
}

/** A copy of an `HNSW<M>,IDMap2` index blob with efConstruction and efSearch replaced. */
export function withHnswParameters(blob: Buffer, { efConstruction, efSearch }: HnswSearchParameters): Buffer {
  const at = efConstructionOffset(blob);
  const out = Buffer.from(blob);
  out.writeInt32LE(efConstruction, at);
  out.writeInt32LE(efSearch, at + 4);
  return out;
}
