import { throwIfCancelled } from '../../common/contracts/errors.ts';
import type { Csr } from '../data/types.ts';
import { normalStream } from '../common/random.ts';
import { f32View, f64View, i32View, instantiateKernel, kernelModule, MemoryPlan } from '../common/wasm-kernel.ts';
import { symmetricEigen } from './symmetric-eigen.ts';

/** The exports of native/lsa/kernel.ts; pointers are byte offsets into its memory, widths multiples of 16. */
interface LsaKernel {
  gather(indptr: number, indices: number, data: number, o0: number, o1: number, b: number, out: number, w: number): void;
  gramApply(indptr: number, indices: number, data: number, o0: number, o1: number, q: number, y: number, w: number, t: number): void;
  atb(a: number, b: number, rows: number, w: number, g: number, scratch: number): void;
  mulSmall(a: number, rows: number, w: number, c: number, wOut: number, out: number): void;
  heapBase(): number;
}

/** Rows per block of the kernel's `atb`, which needs two float64 blocks of scratch. */
const ATB_ROWS = 32;

/** A basis column whose residual is below this share of its squared length is taken as dependent (float32 data). */
const DEPENDENT = 1e-10;

/** Components whose eigenvalue (σ²) is below this share of the largest are dropped: float32 noise, not structure. */
const NEGLIGIBLE = 1e-8;

/** Rows of M per kernel call within a pass, so that cancellation is seen within a pass over a large matrix. */
const ROWS_PER_CALL = 16_384;

const pad16 = (n: number): number => Math.ceil(n / 16) * 16;

export interface RandomizedSvdOptions {
  rank: number;
  seed: number;
  oversample?: number;
  powerIterations?: number;
  /** called between passes over the matrix; throw to cancel */
  onPass?: (pass: number, total: number) => void;
  /** also checked within passes */
  signal?: AbortSignal;
}

export interface TruncatedSvd {
  /** right singular vectors, nCols × rank, row-major */
  components: Float32Array;
  singularValues: Float64Array;
  rank: number;
}

/**
 * Truncated SVD of a sparse matrix X by randomized subspace iteration (Halko, Martinsson & Tropp 2011,
 * algorithms 4.4 and 5.1), in float32 on the SIMD kernel native/lsa/kernel.ts.
 *
 * The basis lives in the smaller of X's two spaces (s = min(rows, columns)) and iterates on the s × s
 * operator A = XᵀX or XXᵀ, applied in one pass over X that never stores the tall product: memory is
 * X plus a few s × l blocks, so a million texts cost no more dense memory than their vocabulary.
 * Q₀ is Gaussian; each of the powerIterations + 1 steps sets Q ← orth(A Q) by Cholesky QR (Gram matrix
 * in float64); one more application gives the Rayleigh–Ritz matrix QᵀAQ, whose eigenvectors turn Q
 * into singular vectors. The subspace is that of A^(q+1)·Ω: one degree above scikit-learn's
 * randomized_svd with the same n_iter, for one more pass. Components whose singular value is
 * negligible are dropped, so `rank` can come out below the requested rank.
 */
export function randomizedSvd(x: Csr, options: RandomizedSvdOptions): TruncatedSvd {
  const want = Math.min(options.rank, x.nRows, x.nCols);
  const l = Math.min(want + (options.oversample ?? 10), x.nRows, x.nCols);
  const q = options.powerIterations ?? 2;
  const passes = q + 3;
  let pass = 0;
  const tick = () => options.onPass?.(++pass, passes);

  // M's rows are the outer loop of one application of A = MᵀM; its columns are the basis space
  const wordSpace = x.nCols <= x.nRows;
  const m = wordSpace ? x : transpose(x);
  const s = m.nCols;
  const w = pad16(l);
  const nnz = m.indptr[m.nRows]!;
  const plan = new MemoryPlan();
  const at = {
    indptr: plan.alloc((m.nRows + 1) * 4),
    indices: plan.alloc(nnz * 4),
    data: plan.alloc(nnz * 4),
    q: plan.alloc(s * w * 4),
    y: plan.alloc(s * w * 4),
    t: plan.alloc(w * 4),
    scratch: plan.alloc(2 * ATB_ROWS * w * 8),
    g: plan.alloc(w * w * 8),
    c: plan.alloc(w * w * 4),
    v: wordSpace ? 0 : plan.alloc(x.nCols * w * 4),
  };
  const memory = plan.create('the LSA fit');
  const kernel = instantiateKernel<LsaKernel>(kernelModule('lsa'), memory, 'LSA');
  i32View(memory, at.indptr, m.nRows + 1).set(m.indptr.subarray(0, m.nRows + 1));
  i32View(memory, at.indices, nnz).set(m.indices.subarray(0, nnz));
  f32View(memory, at.data, nnz).set(m.data.subarray(0, nnz));
  const qv = f32View(memory, at.q, s * w);
  const yv = f32View(memory, at.y, s * w);
  const gv = f64View(memory, at.g, w * w);
  const cv = f32View(memory, at.c, w * w);

  const normal = normalStream(options.seed);
  for (let r = 0; r < s; r++) for (let j = 0; j < l; j++) qv[r * w + j] = normal();

  const apply = (): void => {
    yv.fill(0);
    for (let o0 = 0; o0 < m.nRows; o0 += ROWS_PER_CALL) {
      throwIfCancelled(options.signal);
      kernel.gramApply(at.indptr, at.indices, at.data, o0, Math.min(m.nRows, o0 + ROWS_PER_CALL), at.q, at.y, w, at.t);
    }
    tick();
  };
  /** g's upper l × l triangle ← (first)ᵀ(second), both s × w */
  const gramOf = (first: number, second: number): void => {
    gv.fill(0);
    kernel.atb(first, second, s, w, at.g, at.scratch);
  };

  for (let it = 0; it <= q; it++) {
    apply();
    // Cholesky QR: Q = Y R⁻¹ with RᵀR = YᵀY
    gramOf(at.y, at.y);
    const rInverse = inverseCholeskyFactor(gv, w, l);
    cv.fill(0);
    for (let i = 0; i < l; i++) for (let j = i; j < l; j++) cv[i * w + j] = rInverse[i * l + j]!;
    kernel.mulSmall(at.y, s, w, at.c, w, at.q);
  }
  apply();
  gramOf(at.q, at.y);
  const h = new Float64Array(l * l);
  for (let i = 0; i < l; i++) for (let j = i; j < l; j++) h[i * l + j] = h[j * l + i] = gv[i * w + j]!;
  const { values, vectors } = symmetricEigen(h, l);
  const top = Math.max(values[0] ?? 0, 0);
  let rank = 0;
  while (rank < want && values[rank]! > top * NEGLIGIBLE) rank++;
  const singularValues = new Float64Array(rank);
  for (let k = 0; k < rank; k++) singularValues[k] = Math.sqrt(values[k]!);

  // Ritz vectors Q·U: right singular vectors in word space; in document space the left ones, U Σ⁻¹ mapped by Xᵀ
  const wr = pad16(rank);
  cv.fill(0);
  for (let i = 0; i < l; i++) for (let k = 0; k < rank; k++) cv[i * wr + k] = vectors[i * l + k]! / (wordSpace ? 1 : singularValues[k]!);
  kernel.mulSmall(at.q, s, w, at.c, wr, at.y);
  if (!wordSpace) kernel.gather(at.indptr, at.indices, at.data, 0, m.nRows, at.y, at.v, wr);
  const padded = f32View(memory, wordSpace ? at.y : at.v, x.nCols * wr);
  const components = new Float32Array(x.nCols * rank);
  for (let c = 0; c < x.nCols; c++) components.set(padded.subarray(c * wr, c * wr + rank), c * rank);
  for (let k = 0; k < rank; k++) {
    let biggest = 0;
    for (let c = 0; c < x.nCols; c++) {
      const v = components[c * rank + k]!;
      if (Math.abs(v) > Math.abs(biggest)) biggest = v;
    }
    // sign convention: the largest-magnitude loading of each component is positive
    if (biggest < 0) for (let c = 0; c < x.nCols; c++) components[c * rank + k] = -components[c * rank + k]!;
  }
  tick();
  return { components, singularValues, rank };
}

/**
 * R⁻¹ (l × l, upper triangular, row-major) for the Cholesky factor R of the Gram matrix whose upper
 * triangle is in g (row stride `stride`). A column whose residual is negligible is in the span of the
 * earlier ones: its row and column of R⁻¹ stay zero, so Y R⁻¹ has a zero column there.
 */
export function inverseCholeskyFactor(g: Float64Array, stride: number, l: number): Float64Array {
  const r = new Float64Array(l * l);
  const alive = new Uint8Array(l);
  for (let j = 0; j < l; j++) {
    let d = g[j * stride + j]!;
    for (let k = 0; k < j; k++) d -= r[k * l + j]! * r[k * l + j]!;
    if (!(d > g[j * stride + j]! * DEPENDENT)) continue;
    alive[j] = 1;
    const rjj = Math.sqrt(d);
    r[j * l + j] = rjj;
    for (let i = j + 1; i < l; i++) {
      let v = g[j * stride + i]!;
      for (let k = 0; k < j; k++) v -= r[k * l + j]! * r[k * l + i]!;
      r[j * l + i] = v / rjj;
    }
  }
  const inv = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    if (!alive[j]) continue;
    inv[j * l + j] = 1 / r[j * l + j]!;
    for (let i = j - 1; i >= 0; i--) {
      if (!alive[i]) continue;
      let v = 0;
      for (let k = i + 1; k <= j; k++) v += r[i * l + k]! * inv[k * l + j]!;
      inv[i * l + j] = -v / r[i * l + i]!;
    }
  }
  return inv;
}

/** Xᵀ as CSR, by one counting pass over the columns (indices within a row stay ascending). */
function transpose(x: Csr): Csr {
  const nnz = x.indptr[x.nRows]!;
  const indptr = new Int32Array(x.nCols + 1);
  for (let p = 0; p < nnz; p++) indptr[x.indices[p]! + 1]!++;
  for (let c = 0; c < x.nCols; c++) indptr[c + 1]! += indptr[c]!;
  const fill = indptr.slice(0, x.nCols);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let r = 0; r < x.nRows; r++) {
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const at = fill[x.indices[p]!]!++;
      indices[at] = r;
      data[at] = x.data[p]!;
    }
  }
  return { nRows: x.nCols, nCols: x.nRows, indptr, indices, data };
}
