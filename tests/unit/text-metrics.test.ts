import { describe, expect, it } from 'vitest';
import { calibration, delta, evaluate, meanAndSpread, majorityBaseline } from '../../main/engine/classify/metrics.ts';

// 3 classes, 6 texts; confidences chosen away from the 1/15 bin edges.
const labels = ['a', 'b', 'c'];
const y = Int32Array.from([0, 0, 1, 1, 2, 2]);
const probs = Float32Array.from([
  0.75,
  0.15,
  0.1, // a → a (0.75)
  0.35,
  0.55,
  0.1, // a → b (0.55) wrong
  0.2,
  0.72,
  0.08, // b → b (0.72)
  0.05,
  0.9,
  0.05, // b → b (0.90)
  0.52,
  0.1,
  0.38, // c → a (0.52) wrong
  0.1,
  0.2,
  0.7, //   c → c (0.70)
]);

describe('evaluate', () => {
  const e = evaluate(probs, y, labels);

  it('confusion matrix: rows true, columns predicted', () => {
    expect(e.confusion).toEqual({
      labels,
      matrix: [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 1],
      ],
    });
  });

  it('accuracy, per-class and macro precision/recall/F1', () => {
    expect(e.accuracy).toBeCloseTo(4 / 6, 12);
    expect(e.perClass.map((c) => [c.precision, c.recall, c.support])).toEqual([
      [0.5, 0.5, 2],
      [2 / 3, 1, 2],
      [1, 0.5, 2],
    ]);
    expect(e.perClass.map((c) => c.f1)).toEqual([0.5, expect.closeTo(0.8, 12), expect.closeTo(2 / 3, 12)]);
    expect(e.macro_f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    expect(e.macro_precision).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(e.macro_recall).toBeCloseTo((0.5 + 1 + 0.5) / 3, 12);
  });

  it('mean confidence, true-class probability, log loss', () => {
    expect(e.mean_confidence).toBeCloseTo((0.75 + 0.55 + 0.72 + 0.9 + 0.52 + 0.7) / 6, 6);
    expect(e.mean_true_prob).toBeCloseTo((0.75 + 0.35 + 0.72 + 0.9 + 0.38 + 0.7) / 6, 6);
    const loss = -[0.75, 0.35, 0.72, 0.9, 0.38, 0.7].reduce((s, p) => s + Math.log(p), 0) / 6;
    expect(e.loss).toBeCloseTo(loss, 6);
  });

  it('ECE over 15 bins: Σ n_b/n · |acc_b − conf_b|', () => {
    // bins: 7 {.52 ✗}, 8 {.55 ✗}, 10 {.72 ✓, .70 ✓}, 11 {.75 ✓}, 13 {.90 ✓}
    // (0.52 + 0.55 + 2·0.29 + 0.25 + 0.10) / 6 = 2 / 6
    expect(e.ece).toBeCloseTo(1 / 3, 6);
    const used = e.calibration.filter((b) => b.count > 0);
    expect(used.map((b) => Math.round(b.lo * 15))).toEqual([7, 8, 10, 11, 13]);
    expect(used[2]).toMatchObject({ count: 2, accuracy: 1, confidence: expect.closeTo(0.71, 6) });
  });

  it('confidence histogram splits right and wrong predictions', () => {
    const h = e.confidenceHistogram;
    expect(h).toHaveLength(10);
    expect(h[5]).toMatchObject({ correct: 0, wrong: 2 });
    expect(h[6]).toMatchObject({ correct: 1, wrong: 0 }); // 0.70 sits on an edge: bins are (lo, hi]
    expect(h[7]).toMatchObject({ correct: 2, wrong: 0 });
    expect(h[8]).toMatchObject({ correct: 1, wrong: 0 });
  });

  it('a class never predicted gets precision 0, not NaN', () => {
    const e2 = evaluate(Float32Array.from([0.9, 0.1, 0.8, 0.2]), Int32Array.from([0, 1]), ['x', 'y']);
    expect(e2.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(e2.macro_f1).toBeCloseTo((2 / 3 + 0) / 2, 12);
  });
});

describe('calibration, comparisons, spread', () => {
  it('perfectly calibrated bins give ECE 0; confident mistakes give ECE = confidence', () => {
    expect(calibration([0.5, 0.5], [true, false]).ece).toBeCloseTo(0, 12);
    expect(calibration([0.99, 0.99], [false, false]).ece).toBeCloseTo(0.99, 12);
  });

  it('delta and mean ± std across folds', () => {
    expect(delta({ accuracy: 0.5, only: 1 }, { accuracy: 0.75, extra: 2 })).toEqual({ accuracy: 0.25 });
    const s = meanAndSpread([{ acc: 0.8 }, { acc: 0.9 }, { acc: 1.0 }]);
    expect(s.acc!.mean).toBeCloseTo(0.9, 12);
    expect(s.acc!.std).toBeCloseTo(0.1, 12);
    expect([s.acc!.min, s.acc!.max]).toEqual([0.8, 1]);
  });
});

describe('majority-class baseline', () => {
  it("gives every test text the training part's class shares, so it predicts the most frequent class", () => {
    const probs = majorityBaseline(Int32Array.from([0, 1, 1, 2, 1]), 2, 3);
    expect(Array.from(probs, (p) => Number(p.toFixed(6)))).toEqual([0.2, 0.6, 0.2, 0.2, 0.6, 0.2]);
    const e = evaluate(probs, Int32Array.from([1, 2]), ['a', 'b', 'c']);
    expect(e.accuracy).toBe(0.5);
  });
});
