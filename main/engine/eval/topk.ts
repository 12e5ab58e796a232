/**
 * Partial top-K selection over one score row without sorting the row.
 *
 * One pass keeps a threshold: an item costs one comparison unless it beats the threshold, in which
 * case it is appended to a candidate buffer of 4K entries. When the buffer is full, a quickselect
 * keeps its best K and raises the threshold to the K-th best score. On long rows the threshold
 * starts at an estimate from a strided sample (so that ~3K items pass instead of ~K·ln(N/K)); if
 * fewer than K pass, the row is scanned again without it. At the end the best K are sorted in place.
 *
 * Order: higher score first; equal scores keep the lower item index first. Scores that are
 * -Infinity or NaN are never selected ("do not recommend").
 */
export class TopK {
  readonly k: number;
  private readonly capacity: number;
  private readonly score: Float32Array;
  private readonly item: Int32Array;

  constructor(k: number) {
    this.k = k;
    this.capacity = Math.max(4 * k, 16);
    this.score = new Float32Array(this.capacity);
    this.item = new Int32Array(this.capacity);
  }

  /**
   * Selects the best min(k, selectable) items of row[offset .. offset + n) and writes their item
   * indices (0-based within the row), best first, to outItems; returns how many were written.
   */
  select(row: Float32Array, offset: number, n: number, outItems: Int32Array): number {
    const k = this.k;
    if (k === 0) return 0;
    const start = n >= 16 * this.capacity ? this.sampledThreshold(row, offset, n) : -Infinity;
    let size = this.scan(row, offset, n, start);
    // fewer than k items beat the sampled threshold: it was too high, scan again without one
    if (size < k && start > -Infinity) size = this.scan(row, offset, n, -Infinity);
    if (size > k) {
      this.keepBest(size, k);
      size = k;
    }
    this.sortBest(0, size - 1);
    outItems.set(this.item.subarray(0, size));
    return size;
  }

  /**
   * Collects the items scoring above `threshold` into the candidate buffer, pruning it to the best
   * k (and raising the threshold) whenever it fills; returns the number of candidates left.
   */
  private scan(row: Float32Array, offset: number, n: number, threshold: number): number {
    const k = this.k;
    const capacity = this.capacity;
    const score = this.score;
    const item = this.item;
    let size = 0;
    const end = offset + n;
    for (let p = offset; p < end; p++) {
      // Items arrive in index order, so an item equal to the threshold loses the tie: strict >.
      // The tight inner loop keeps the threshold in a register until the next candidate.
      const t = threshold;
      while (p < end && !(row[p]! > t)) p++;
      if (p === end) break;
      score[size] = row[p]!;
      item[size] = p - offset;
      if (++size === capacity) {
        this.keepBest(size, k);
        size = k;
        threshold = score[k - 1]!;
      }
    }
    return size;
  }

  /**
   * A starting threshold that about 3k items of the row beat: the j-th best of `capacity` evenly
   * strided samples, j = ⌈3k · samples / n⌉. Returns -Infinity when too few samples are selectable.
   */
  private sampledThreshold(row: Float32Array, offset: number, n: number): number {
    const stride = Math.floor(n / this.capacity);
    const score = this.score;
    const item = this.item;
    let m = 0;
    for (let p = offset; p < offset + n && m < this.capacity; p += stride) {
      const v = row[p]!;
      if (!(v > -Infinity)) continue;
      score[m] = v;
      item[m] = m;
      m++;
    }
    const j = Math.ceil((3 * this.k * this.capacity) / n);
    if (m < j) return -Infinity;
    this.keepBest(m, j);
    return score[j - 1]!;
  }

  /** Sorts candidates [lo, hi] best first (quicksort, insertion sort below 16 entries). */
  private sortBest(lo: number, hi: number): void {
    const score = this.score;
    const item = this.item;
    while (hi - lo >= 16) {
      const ps = score[(lo + hi) >> 1]!;
      const pi = item[(lo + hi) >> 1]!;
      let i = lo;
      let j = hi;
      do {
        while (score[i]! > ps || (score[i] === ps && item[i]! < pi)) i++;
        while (ps > score[j]! || (ps === score[j] && pi < item[j]!)) j--;
        if (i <= j) {
          const s = score[i]!;
          score[i] = score[j]!;
          score[j] = s;
          const t = item[i]!;
          item[i] = item[j]!;
          item[j] = t;
          i++;
          j--;
        }
      } while (i <= j);
      // recurse into the smaller side, loop on the larger
      if (j - lo < hi - i) {
        this.sortBest(lo, j);
        lo = i;
      } else {
        this.sortBest(i, hi);
        hi = j;
      }
    }
    for (let a = lo + 1; a <= hi; a++) {
      const s = score[a]!;
      const t = item[a]!;
      let b = a - 1;
      while (b >= lo && (score[b]! < s || (score[b] === s && item[b]! > t))) {
        score[b + 1] = score[b]!;
        item[b + 1] = item[b]!;
        b--;
      }
      score[b + 1] = s;
      item[b + 1] = t;
    }
  }

  /**
   * Rearranges candidates [0, size) so that [0, count) are the best `count` and position count−1
   * holds the count-th best (Hoare/Wirth quickselect with a median-of-three pivot).
   */
  private keepBest(size: number, count: number): void {
    const score = this.score;
    const item = this.item;
    const target = count - 1;
    let lo = 0;
    let hi = size - 1;
    const aBeforeB = (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && item[a]! < item[b]!);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      // pivot = median of lo, mid, hi under the ranking order
      let p = mid;
      if (aBeforeB(lo, mid) !== aBeforeB(lo, hi)) p = lo;
      else if (aBeforeB(hi, lo) !== aBeforeB(hi, mid)) p = hi;
      const ps = score[p]!;
      const pi = item[p]!;
      let i = lo;
      let j = hi;
      do {
        while (score[i]! > ps || (score[i] === ps && item[i]! < pi)) i++;
        while (ps > score[j]! || (ps === score[j] && pi < item[j]!)) j--;
        if (i <= j) {
          const s = score[i]!;
          score[i] = score[j]!;
          score[j] = s;
          const t = item[i]!;
          item[i] = item[j]!;
          item[j] = t;
          i++;
          j--;
        }
      } while (i <= j);
      if (j < target) lo = i;
      if (target < i) hi = j;
    }
  }
}
