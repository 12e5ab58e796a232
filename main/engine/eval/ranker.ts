import { computeGradedNdcg, computeUserMetrics, rankDiscounts, USER_METRIC_FAMILIES, userMetricNames } from './metrics.ts';
import { TopK } from './topk.ts';

/**
 * Everything needed to turn score rows into per-user metric values. Plain typed arrays, so the same
 * input runs inline or in a ranking worker (values and bestRank are then SharedArrayBuffer-backed).
 */
export interface RankerInput {
  nItems: number;
  ks: number[];
  seenFilter: boolean;
  /** evaluated users, row t = user testUsers[t]; their test items: testItems[testIndptr[t] .. testIndptr[t+1]) */
  testUsers: Int32Array;
  testIndptr: Int32Array;
  testItems: Int32Array;
  /** rating per test item (split.test.ratings): adds graded NDCG columns; null without ratings */
  testRatings: Float32Array | null;
  /** training CSR rows (the seen-items filter) */
  trainIndptr: Int32Array;
  trainIndices: Int32Array;
  /** self-information per item, for novelty */
  selfInfo: Float64Array;
  /** output: rows × userMetricNames(ks).length, row-major */
  values: Float64Array;
  /** output: best 0-based rank at which each item was recommended to anyone (init max K), for coverage */
  bestRank: Int32Array;
  /** output: rows × max K, each row's ranked items best first, −1 after the last one */
  topItems: Int32Array;
}

/** Masks training items, selects the top max(ks) items and writes each user's metric values. */
export class BatchRanker {
  private readonly input: RankerInput;
  private readonly stride: number;
  private readonly discounts: Float64Array;
  private readonly topK: TopK;
  private readonly ranked: Int32Array;
  private readonly hits: Uint8Array;
  private readonly rankedInfo: Float64Array;
  // testMark[i] === t + 1: item i is a test item of row t
  private readonly testMark: Int32Array;
  // graded NDCG scratch (empty without ratings): gain of each marked test item, gains by rank, sorted test gains
  private readonly gainOf: Float64Array;
  private readonly rankGains: Float64Array;
  private readonly idealGains: Float64Array;

  constructor(input: RankerInput) {
    const maxK = input.ks[input.ks.length - 1]!;
    const graded = input.testRatings !== null;
    let maxTest = 0;
    for (let t = 0; t < input.testUsers.length; t++) maxTest = Math.max(maxTest, input.testIndptr[t + 1]! - input.testIndptr[t]!);
    this.input = input;
    this.stride = userMetricNames(input.ks, graded).length;
    this.gainOf = new Float64Array(graded ? input.nItems : 0);
    this.rankGains = new Float64Array(graded ? maxK : 0);
    this.idealGains = new Float64Array(graded ? maxTest : 0);
    this.discounts = rankDiscounts(maxK);
    this.topK = new TopK(maxK);
    this.ranked = new Int32Array(maxK);
    this.hits = new Uint8Array(maxK);
    this.rankedInfo = new Float64Array(maxK);
    this.testMark = new Int32Array(input.nItems);
  }

  /** Ranks rows start..end−1; row t's scores are at scores[(t − start)·nItems …], and are overwritten by the mask. */
  rankRows(scores: Float32Array, start: number, end: number): void {
    const { nItems, ks, seenFilter, testUsers, testIndptr, testItems, trainIndptr, trainIndices, selfInfo, values, bestRank, topItems } = this.input;
    const { ranked, hits, rankedInfo, testMark } = this;
    const maxK = ranked.length;
    for (let t = start; t < end; t++) {
      const u = testUsers[t]!;
      const off = (t - start) * nItems;
      if (seenFilter) for (let p = trainIndptr[u]!; p < trainIndptr[u + 1]!; p++) scores[off + trainIndices[p]!] = -Infinity;
      const nRanked = this.topK.select(scores, off, nItems, ranked);
      topItems.set(ranked.subarray(0, nRanked), t * maxK);
      topItems.fill(-1, t * maxK + nRanked, (t + 1) * maxK);
      for (let p = testIndptr[t]!; p < testIndptr[t + 1]!; p++) testMark[testItems[p]!] = t + 1;
      for (let r = 0; r < nRanked; r++) {
        const item = ranked[r]!;
        hits[r] = testMark[item] === t + 1 ? 1 : 0;
        rankedInfo[r] = selfInfo[item]!;
        if (r < bestRank[item]!) bestRank[item] = r;
      }
      const nTest = testIndptr[t + 1]! - testIndptr[t]!;
      computeUserMetrics(hits, rankedInfo, nRanked, nTest, ks, this.discounts, values, t * this.stride);
      if (this.input.testRatings) this.gradedNdcg(t, nRanked, nTest);
    }
  }

  private gradedNdcg(t: number, nRanked: number, nTest: number): void {
    const { ks, testIndptr, testItems, testRatings, values } = this.input;
    const { gainOf, rankGains, ranked, hits } = this;
    const ideal = this.idealGains.subarray(0, nTest);
    for (let p = testIndptr[t]!, q = 0; p < testIndptr[t + 1]!; p++, q++) {
      const gain = Math.max(0, testRatings![p]!);
      gainOf[testItems[p]!] = gain;
      ideal[q] = gain;
    }
    ideal.sort().reverse();
    for (let r = 0; r < nRanked; r++) rankGains[r] = hits[r] === 1 ? gainOf[ranked[r]!]! : 0;
    computeGradedNdcg(rankGains, nRanked, ideal, nTest, ks, this.discounts, values, t * this.stride + USER_METRIC_FAMILIES.length * ks.length);
  }
}
