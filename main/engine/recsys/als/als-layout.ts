import type { Csr } from '../../data/types.ts';
import type { AlsParams } from './als.ts';
import { f32View, i32View, solveScratchBytes, type MemoryPlan, type WasmMemory } from './als-kernel.ts';

/**
 * Where ALS training data sits in kernel memory: both orientations of the interaction matrix (rows in
 * degree order, confidences applied), the padded factor matrices, grams and per-thread scratch, and the
 * row slices each worker owns.
 */

/** The confidence c = 1 + (returned value) given to an observed interaction of value v. */
export function confidenceMinusOne(v: number, p: Pick<AlsParams, 'alpha' | 'confidence' | 'eps'>): number {
  return p.confidence === 'linear' ? p.alpha * v : p.alpha * Math.log1p(v / p.eps);
}

/** Contiguous row slices of about equal solve cost (a row costs ~ k + 2 * its nonzeros). */
export function partitionRows(indptr: Int32Array, nRows: number, parts: number, k: number): number[] {
  const total = nRows * k + 2 * indptr[nRows]!;
  const bounds = [0];
  let row = 0;
  for (let t = 1; t < parts; t++) {
    const target = (total * t) / parts;
    while (row < nRows && row * k + 2 * indptr[row]! < target) row++;
    bounds.push(row);
  }
  bounds.push(nRows);
  return bounds;
}

export interface Side {
  rows: number;
  factors: number;
  indptr: number;
  indices: number;
  cm1: number;
  /** each worker's contiguous row slice (for the gram) */
  bounds: number[];
  /** row chunks of about equal solve cost that the workers share out while solving */
  chunks: number[];
}

export interface Layout {
  k: number;
  users: Side;
  items: Side;
  gram: number;
  partials: number[];
  scratch: number[];
}

/** The most interactions of any user or item. */
export function maxDegree(m: Csr): number {
  let most = 0;
  for (let u = 0; u < m.nRows; u++) most = Math.max(most, m.indptr[u + 1]! - m.indptr[u]!);
  const itemDegree = new Int32Array(m.nCols);
  for (let e = 0; e < m.indptr[m.nRows]!; e++) most = Math.max(most, ++itemDegree[m.indices[e]!]!);
  return most;
}

/** maxDegree: the most entries of any row of either side (sizes the solvers' scratch). */
export function planLayout(plan: MemoryPlan, nUsers: number, nItems: number, nnz: number, k: number, threads: number, maxDegree: number): Layout {
  const side = (rows: number): Side => ({
    rows,
    factors: plan.alloc(rows * k * 4),
    indptr: plan.alloc((rows + 1) * 4),
    indices: plan.alloc(nnz * 4),
    cm1: plan.alloc(nnz * 4),
    bounds: [],
    chunks: [],
  });
  const users = side(nUsers);
  const items = side(nItems);
  const gram = plan.alloc(k * k * 4);
  const partials = Array.from({ length: threads }, () => plan.alloc(k * k * 4));
  const scratch = Array.from({ length: threads }, () => plan.alloc(solveScratchBytes(k, maxDegree)));
  return { k, users, items, gram, partials, scratch };
}

/**
 * Internal row order: descending number of interactions (ties by index). Popular rows then sit together,
 * so the rows the solver gathers most often share pages and cache. Returns rank[external index].
 */
function rankByDegree(degree: Int32Array): Int32Array {
  const order = Array.from(degree.keys()).sort((a, b) => degree[b]! - degree[a]! || a - b);
  const rank = new Int32Array(degree.length);
  order.forEach((index, r) => (rank[index] = r));
  return rank;
}

/** Fills indptr from per-row counts and returns each row's next free slot. */
function prefixSums(indptr: Int32Array): Int32Array {
  for (let r = 1; r < indptr.length; r++) indptr[r]! += indptr[r - 1]!;
  return indptr.slice(0, indptr.length - 1);
}

export interface Relabel {
  userRank: Int32Array;
  itemRank: Int32Array;
  sumCm1: number;
}

/**
 * Writes the matrix into kernel memory in internal (degree-ranked) order, twice: item rows (the transpose)
 * by a counting sort over the users in internal order, then user rows by transposing that back, so that
 * every row lists its columns ascending. Confidences are applied on the way (stored as c - 1).
 */
export function writeMatrices(memory: WasmMemory, m: Csr, lay: Layout, p: AlsParams): Relabel {
  const nnz = m.indptr[m.nRows]!;
  const { users, items } = lay;
  const userDegree = new Int32Array(m.nRows);
  const itemDegree = new Int32Array(m.nCols);
  for (let u = 0; u < m.nRows; u++) userDegree[u] = m.indptr[u + 1]! - m.indptr[u]!;
  for (let e = 0; e < nnz; e++) itemDegree[m.indices[e]!]!++;
  const userRank = rankByDegree(userDegree);
  const itemRank = rankByDegree(itemDegree);
  const userOrder = new Int32Array(m.nRows);
  userRank.forEach((r, u) => (userOrder[r] = u));

  const iIndptr = i32View(memory, items.indptr, m.nCols + 1);
  itemDegree.forEach((d, i) => (iIndptr[itemRank[i]! + 1] = d));
  const iFill = prefixSums(iIndptr);
  const iIndices = i32View(memory, items.indices, nnz);
  const iCm1 = f32View(memory, items.cm1, nnz);
  let sumCm1 = 0;
  for (let r = 0; r < m.nRows; r++) {
    const u = userOrder[r]!;
    for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) {
      const pos = iFill[itemRank[m.indices[e]!]!]!++;
      iIndices[pos] = r;
      iCm1[pos] = confidenceMinusOne(m.data[e]!, p);
      sumCm1 += iCm1[pos]!;
    }
  }

  const uIndptr = i32View(memory, users.indptr, m.nRows + 1);
  userDegree.forEach((d, u) => (uIndptr[userRank[u]! + 1] = d));
  const uFill = prefixSums(uIndptr);
  const uIndices = i32View(memory, users.indices, nnz);
  const uCm1 = f32View(memory, users.cm1, nnz);
  for (let i = 0; i < m.nCols; i++) {
    for (let e = iIndptr[i]!; e < iIndptr[i + 1]!; e++) {
      const pos = uFill[iIndices[e]!]!++;
      uIndices[pos] = i;
      uCm1[pos] = iCm1[e]!;
    }
  }
  return { userRank, itemRank, sumCm1 };
}

/** Small random factors, drawn in external row order so that they do not depend on the internal order. */
export function initFactors(memory: WasmMemory, side: Side, rank: Int32Array, k: number, factors: number, normal: () => number): void {
  const view = f32View(memory, side.factors, side.rows * k);
  for (let r = 0; r < side.rows; r++) for (let f = 0; f < factors; f++) view[rank[r]! * k + f] = 0.01 * normal();
}

export function extractFactors(memory: WasmMemory, side: Side, rank: Int32Array, k: number, factors: number): Float32Array {
  const view = f32View(memory, side.factors, side.rows * k);
  const out = new Float32Array(side.rows * factors);
  for (let r = 0; r < side.rows; r++) out.set(view.subarray(rank[r]! * k, rank[r]! * k + factors), r * factors);
  return out;
}
