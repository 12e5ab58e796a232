import type { Csr } from './types.ts';

/** Stable counting sort of positions `order` by `keys[order[k]]` in [0, nKeys); returns the bucket offsets. */
function countingSort(order: Int32Array, keys: Int32Array, nKeys: number): { sorted: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(nKeys + 1);
  for (let k = 0; k < order.length; k++) offsets[keys[order[k]!]! + 1]!++;
  for (let b = 0; b < nKeys; b++) offsets[b + 1]! += offsets[b]!;
  const fill = offsets.slice(0, nKeys);
  const sorted = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) {
    const pos = order[k]!;
    sorted[fill[keys[pos]!]!++] = pos;
  }
  return { sorted, offsets };
}

/**
 * Builds a CSR matrix from coordinate triples in O(nnz + nRows + nCols).
 * Column indices within a row are ascending; duplicate (row, col) pairs are summed.
 */
export function csrFromCoo(nRows: number, nCols: number, rows: Int32Array, cols: Int32Array, values: Float32Array | null): Csr {
  const identity = new Int32Array(rows.length);
  for (let k = 0; k < identity.length; k++) identity[k] = k;
  const byCol = countingSort(identity, cols, nCols).sorted;
  const byRow = countingSort(byCol, rows, nRows).sorted;
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(rows.length);
  const data = new Float32Array(rows.length);
  let out = 0;
  let k = 0;
  for (let r = 0; r < nRows; r++) {
    const rowStart = out;
    while (k < byRow.length && rows[byRow[k]!] === r) {
      const pos = byRow[k++]!;
      const c = cols[pos]!;
      const v = values ? values[pos]! : 1;
      if (out > rowStart && indices[out - 1] === c) data[out - 1]! += v;
      else {
        indices[out] = c;
        data[out] = v;
        out++;
      }
    }
    indptr[r + 1] = out;
  }
  return { nRows, nCols, indptr, indices: indices.slice(0, out), data: data.slice(0, out) };
}

/** The transpose of a CSR matrix (columns become rows). */
export function transposeCsr(m: Csr): Csr {
  const nnz = m.indptr[m.nRows]!;
  const rows = new Int32Array(nnz);
  for (let r = 0; r < m.nRows; r++) rows.fill(r, m.indptr[r]!, m.indptr[r + 1]!);
  return csrFromCoo(m.nCols, m.nRows, m.indices.subarray(0, nnz), rows, m.data.subarray(0, nnz));
}
