/**
 * The neighbour rows of ItemKNN for a range of items, computed from the training interactions
 * without an item × item matrix: for item j, the co-occurrence counts with every other item are
 * accumulated over j's users into one dense scratch row, turned into similarities, and the top k kept.
 * Plain functions on plain arrays, so the same code runs inline and in worker threads.
 */

export interface ItemKnnSettings {
  /** neighbours kept per item */
  neighbours: number;
  /** added to the similarity's denominator: pairs seen together by few users count less */
  shrink: number;
  /** exponent of the target item's user count (Aiolli 2013); 0.5 is cosine */
  alpha: number;
}

/**
 * Binary interactions both ways: users' items and items' users (indices only; a pair appears once),
 * with each item's user count c raised to the powers the similarity uses.
 */
export interface Cooccurrence {
  nItems: number;
  userIndptr: Int32Array;
  userIndices: Int32Array;
  itemIndptr: Int32Array;
  itemIndices: Int32Array;
  /** c^alpha: the item as a target */
  targetNorm: Float64Array;
  /** c^(1 − alpha): the item in a history */
  historyNorm: Float64Array;
}

/** Neighbour rows rows0 .. rows0 + counts.length − 1: row r holds counts[r] (item, weight) pairs, best first. */
export interface NeighbourRows {
  counts: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/** Keeps the k best (weight desc, then item asc) in a min-heap whose root is the worst kept. */
class TopK {
  readonly k: number;
  readonly items: Int32Array;
  readonly weights: Float64Array;
  size = 0;

  constructor(k: number) {
    this.k = k;
    this.items = new Int32Array(k);
    this.weights = new Float64Array(k);
  }

  /** a ranks below b */
  private worse(a: number, b: number): boolean {
    const wa = this.weights[a]!;
    const wb = this.weights[b]!;
    return wa < wb || (wa === wb && this.items[a]! > this.items[b]!);
  }

  push(item: number, weight: number): void {
    if (this.size < this.k) {
      let at = this.size++;
      this.items[at] = item;
      this.weights[at] = weight;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.worse(at, parent)) break;
        this.swap(at, parent);
        at = parent;
      }
      return;
    }
    const root = this.weights[0]!;
    if (weight < root || (weight === root && item > this.items[0]!)) return;
    this.items[0] = item;
    this.weights[0] = weight;
    this.siftDown();
  }

  private siftDown(): void {
    let at = 0;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let least = at;
      if (l < this.size && this.worse(l, least)) least = l;
      if (r < this.size && this.worse(r, least)) least = r;
      if (least === at) return;
      this.swap(at, least);
      at = least;
    }
  }

  private swap(a: number, b: number): void {
    const i = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = i;
    const w = this.weights[a]!;
    this.weights[a] = this.weights[b]!;
    this.weights[b] = w;
  }

  /** Appends the kept pairs, best first, and empties the heap (popping the worst to the back). */
  drainInto(indices: number[], weights: number[]): number {
    const n = this.size;
    const base = indices.length;
    for (let r = 0; r < n; r++) {
      indices.push(0);
      weights.push(0);
    }
    for (let r = n - 1; r >= 0; r--) {
      indices[base + r] = this.items[0]!;
      weights[base + r] = this.weights[0]!;
      this.size--;
      this.items[0] = this.items[this.size]!;
      this.weights[0] = this.weights[this.size]!;
      this.siftDown();
    }
    return n;
  }
}

/**
 * Rows j0 .. j1 − 1. The similarity of history item j to target item i, with c(x) the users of x and
 * n the users of both, is n / (c(i)^alpha · c(j)^(1 − alpha) + shrink).
 */
export function neighbourRows(data: Cooccurrence, j0: number, j1: number, s: ItemKnnSettings): NeighbourRows {
  const { nItems, userIndptr, userIndices, itemIndptr, itemIndices, targetNorm, historyNorm } = data;
  const together = new Int32Array(nItems);
  const touched = new Int32Array(nItems);
  const top = new TopK(Math.min(s.neighbours, nItems));
  const counts = new Int32Array(j1 - j0);
  const indices: number[] = [];
  const weights: number[] = [];
  for (let j = j0; j < j1; j++) {
    let nTouched = 0;
    for (let p = itemIndptr[j]!; p < itemIndptr[j + 1]!; p++) {
      const u = itemIndices[p]!;
      for (let q = userIndptr[u]!; q < userIndptr[u + 1]!; q++) {
        const i = userIndices[q]!;
        if (together[i]!++ === 0) touched[nTouched++] = i;
      }
    }
    const hj = historyNorm[j]!;
    for (let t = 0; t < nTouched; t++) {
      const i = touched[t]!;
      const n = together[i]!;
      together[i] = 0;
      if (i !== j) top.push(i, n / (targetNorm[i]! * hj + s.shrink));
    }
    counts[j - j0] = top.drainInto(indices, weights);
  }
  return { counts, indices: Int32Array.from(indices), weights: Float32Array.from(weights) };
}
