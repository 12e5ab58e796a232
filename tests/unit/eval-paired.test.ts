import { describe, expect, it } from 'vitest';
import { holm, normalTwoSidedP, pairedTest, studentTwoSidedP, wilcoxonSignedRank } from '../../main/engine/eval/paired.ts';

// Student's sleep data (Cushny & Peebles 1905): extra hours of sleep under two drugs, 10 patients.
// Reference values: R's t.test(..., paired = TRUE) and wilcox.test(..., paired = TRUE, exact = FALSE)
// (the same numbers from scipy.stats.ttest_1samp and wilcoxon(method="approx", correction=True)).
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('paired comparison', () => {
  it('matches the textbook paired t-test and signed-rank test on the sleep data', () => {
    const r = pairedTest(drug1, drug2);
    expect(r.n).toBe(10);
    expect(r.diff).toBeCloseTo(1.58, 12);
    expect(r.t).toBeCloseTo(4.062127683382037, 10);
    expect(r.pT).toBeCloseTo(0.002832890197384273, 9);
    expect(r.ci95[0]).toBeCloseTo(0.7001142367230175, 8);
    expect(r.ci95[1]).toBeCloseTo(2.459885763276982, 8);
    // one zero difference dropped; all nine others positive: W+ = 45, p = 0.009091
    expect(r.wilcoxonW).toBe(45);
    expect(r.pWilcoxon).toBeCloseTo(0.009090698015925044, 6);
  });

  it('handles ties, zeros and negative differences like the reference (hand-sized sample)', () => {
    const d = [0.5, -0.25, 0.0, 0.25, 0.5, 1.0, -0.5, 0.25, 0.75, 0.0, 0.5];
    const r = pairedTest(new Array(d.length).fill(0), d);
    expect(r.t).toBeCloseTo(2.057983021710106, 10);
    expect(r.pT).toBeCloseTo(0.06661188226688913, 9);
    expect(r.ci95[0]).toBeCloseTo(-0.022549328658359014, 8);
    expect(r.ci95[1]).toBeCloseTo(0.5680038741129044, 8);
    // |d| ranks (zeros dropped, n = 9): 0.25 ×3 → 2, 0.5 ×4 → 5.5, 0.75 → 8, 1.0 → 9;
    // negatives −0.25 and −0.5 carry 2 + 5.5 = 7.5, so W+ = 45 − 7.5 = 37.5
    expect(wilcoxonSignedRank(d).w).toBe(37.5);
    expect(r.pWilcoxon).toBeCloseTo(0.08198123074262048, 6);
  });

  it('gives Student and normal tails at known points', () => {
    expect(studentTwoSidedP(2.262157162798205, 9)).toBeCloseTo(0.05, 10);
    expect(studentTwoSidedP(1.9623390808264083, 1000)).toBeCloseTo(0.05, 10);
    expect(studentTwoSidedP(4.302652729749462, 2)).toBeCloseTo(0.05, 10);
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 6);
    expect(normalTwoSidedP(0)).toBeCloseTo(1, 6);
  });

  it('says nothing is different when nothing is', () => {
    const same = pairedTest([0.1, 0.5, 0], [0.1, 0.5, 0]);
    expect(same).toMatchObject({ diff: 0, pT: 1, pWilcoxon: 1, ci95: [0, 0] });
    const shifted = pairedTest([0, 0, 0], [1, 1, 1]);
    expect(shifted.pT).toBe(0);
    expect(shifted.ci95).toEqual([1, 1]);
  });

  it("adjusts p-values by Holm's step-down method", () => {
    // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
  });
});
