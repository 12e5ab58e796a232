import type { Csr } from '../data/types.ts';
import { gaussianFill } from '../common/random.ts';

/** Y (nRows × l, row-major) = X · M, with M (nCols × l, row-major). */
function mulSparseDense(x: Csr, m: Float64Array, l: number): Float64Array {
  const y = new Float64Array(x.nRows * l);
  for (let r = 0; r < x.nRows; r++) {
    const yo = r * l;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const v = x.data[p]!;
      const mo = x.indices[p]! * l;
      for (let j = 0; j < l; j++) y[yo + j]! += v * m[mo + j]!;
    }
  }
  return y;
}

/** Z (nCols × l, row-major) = Xᵀ · Y, with Y (nRows × l, row-major). */
function mulSparseTransposeDense(x: Csr, y: Float64Array, l: number): Float64Array {
  const z = new Float64Array(x.nCols * l);
  for (let r = 0; r < x.nRows; r++) {
    const yo = r * l;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const v = x.data[p]!;
      const zo = x.indices[p]! * l;
      for (let j = 0; j < l; j++) z[zo + j]! += v * y[yo + j]!;
    }
  }
  return z;
}

/**
 * Orthonormalises the l columns of a row-major m × l matrix in place by modified Gram-Schmidt
 * (on a column-major copy, for contiguous access). Columns that are numerically dependent become zero.
 * Each pass subtracts one projection and already takes the dot product with the next column
 * (the same arithmetic as textbook MGS, with half the passes over memory).
 */
export function orthonormalizeColumns(a: Float64Array, m: number, l: number): void {
  const cols: Float64Array[] = [];
  for (let j = 0; j < l; j++) {
    const c = new Float64Array(m);
    for (let r = 0; r < m; r++) c[r] = a[r * l + j]!;
    cols.push(c);
  }
  for (let j = 0; j < l; j++) {
    const cj = cols[j]!;
    let before = 0;
    for (let r = 0; r < m; r++) before += cj[r]! * cj[r]!;
    let norm = before;
    if (j > 0) {
      const c0 = cols[0]!;
      let dot = 0;
      for (let r = 0; r < m; r++) dot += c0[r]! * cj[r]!;
      for (let i = 0; i < j; i++) {
        const ci = cols[i]!;
        const next = i + 1 < j ? cols[i + 1]! : null;
        let acc = 0;
        if (next) {
          for (let r = 0; r < m; r++) {
            const v = cj[r]! - dot * ci[r]!;
            cj[r] = v;
            acc += next[r]! * v;
          }
        } else {
          for (let r = 0; r < m; r++) {
            const v = cj[r]! - dot * ci[r]!;
            cj[r] = v;
            acc += v * v;
          }
          norm = acc;
        }
        dot = acc;
      }
    }
    // a column that lost almost all its length to earlier ones is in their span: drop it
    if (norm <= before * 1e-20 || norm === 0) cj.fill(0);
    else {
      const inv = 1 / Math.sqrt(norm);
      for (let r = 0; r < m; r++) cj[r]! *= inv;
    }
  }
  for (let j = 0; j < l; j++) {
    const c = cols[j]!;
    for (let r = 0; r < m; r++) a[r * l + j] = c[r]!;
  }
}

/** Eigen-decomposition of a symmetric n × n matrix (row-major) by cyclic Jacobi rotations; values descending. */
export function symmetricEigen(s: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(s);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! * a[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! * a[i * n + j]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

export interface RandomizedSvdOptions {
  rank: number;
  seed: number;
  oversample?: number;
  powerIterations?: number;
  /** called between passes over the matrix; throw to cancel */
  onPass?: (pass: number, total: number) => void;
}

export interface TruncatedSvd {
  /** right singular vectors, nCols × rank, row-major */
  components: Float64Array;
  singularValues: Float64Array;
  rank: number;
}

/**
 * Truncated SVD of a sparse matrix by randomized range finding (Halko, Martinsson & Tropp 2011):
 * Gaussian sketch, power iterations with re-orthonormalisation, then the exact SVD of the small
 * projected matrix B = QᵀX through the eigen-decomposition of BBᵀ. Components whose singular value is
 * negligible are dropped, so `rank` can come out below the requested rank.
 */
export function randomizedSvd(x: Csr, options: RandomizedSvdOptions): TruncatedSvd {
  const want = Math.min(options.rank, x.nRows, x.nCols);
  const l = Math.min(want + (options.oversample ?? 10), x.nRows, x.nCols);
  const q = options.powerIterations ?? 2;
  const passes = 2 + 2 * q + 1;
  let pass = 0;
  const tick = () => options.onPass?.(++pass, passes);

  const omega = gaussianFill(new Float64Array(x.nCols * l), options.seed);
  let y = mulSparseDense(x, omega, l);
  tick();
  orthonormalizeColumns(y, x.nRows, l);
  for (let it = 0; it < q; it++) {
    // Z = XᵀQ is not orthonormalised: X·Z spans the same space as X·orth(Z), and with Q orthonormal
    // Z's condition number is only σ₁/σₗ, so the orthonormalisation of Y after it loses nothing
    const z = mulSparseTransposeDense(x, y, l);
    tick();
    y = mulSparseDense(x, z, l);
    tick();
    orthonormalizeColumns(y, x.nRows, l);
  }
  const bt = mulSparseTransposeDense(x, y, l);
  tick();
  const gram = new Float64Array(l * l);
  for (let c = 0; c < x.nCols; c++) {
    const o = c * l;
    for (let i = 0; i < l; i++) {
      const bi = bt[o + i]!;
      if (bi === 0) continue;
      for (let j = i; j < l; j++) gram[i * l + j]! += bi * bt[o + j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) gram[i * l + j] = gram[j * l + i]!;
  const { values, vectors } = symmetricEigen(gram, l);
  const top = Math.sqrt(Math.max(values[0] ?? 0, 0));
  let rank = 0;
  while (rank < want && Math.sqrt(Math.max(values[rank]!, 0)) > top * 1e-6) rank++;

  const singularValues = new Float64Array(rank);
  for (let k = 0; k < rank; k++) singularValues[k] = Math.sqrt(values[k]!);
  // V = Bᵀ U Σ⁻¹, accumulated row by row of Bᵀ so the inner loop runs along contiguous memory
  const components = new Float64Array(x.nCols * rank);
  for (let c = 0; c < x.nCols; c++) {
    const o = c * l;
    const out = c * rank;
    for (let i = 0; i < l; i++) {
      const b = bt[o + i]!;
      if (b === 0) continue;
      const u = i * l;
      for (let k = 0; k < rank; k++) components[out + k]! += b * vectors[u + k]!;
    }
  }
  for (let k = 0; k < rank; k++) {
    const inv = 1 / singularValues[k]!;
    let biggest = 0;
    for (let c = 0; c < x.nCols; c++) {
      const v = (components[c * rank + k]! *= inv);
      if (Math.abs(v) > Math.abs(biggest)) biggest = v;
    }
    // sign convention: the largest-magnitude loading of each component is positive
    if (biggest < 0) for (let c = 0; c < x.nCols; c++) components[c * rank + k] = -components[c * rank + k]!;
  }
  tick();
  return { components, singularValues, rank };
}
