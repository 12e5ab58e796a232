import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { prepareData } from '../../main/engine/classify/prepare.ts';
import { minimizeLbfgs } from '../../main/engine/classify/lbfgs.ts';
import { chooseC, compactRows, fitLinear, parameterCount, softmaxLossAndGrad, softmaxPredict, type SoftmaxProblem } from '../../main/engine/classify/linear.ts';
import { TfidfVectorizer, type CsrMatrix } from '../../main/engine/classify/tfidf.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

/** A CSR matrix from dense rows (zeros left out). */
function csr(dense: number[][]): CsrMatrix {
  const offsets = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of dense) {
    row.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        values.push(v);
      }
    });
    offsets.push(indices.length);
  }
  return {
    rows: dense.length,
    cols: dense[0]!.length,
    offsets: Int32Array.from(offsets),
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
  };
}

// not linearly separable, so the unpenalised bias has a finite optimum too
const X = [
  [1, 0, 0.5],
  [0.8, 0.2, 0],
  [0, 1, 0.3],
  [0.1, 0.9, 0],
  [0.5, 0.5, 1],
  [0.2, 0, 1],
  [0.9, 0.1, 0.2],
  [0, 0.7, 0.7],
];

describe('multinomial logistic regression by L-BFGS', () => {
  it('the gradient matches finite differences', () => {
    const problem: SoftmaxProblem = { x: csr(X), y: Int32Array.from([0, 0, 1, 1, 2, 2, 1, 0]), nClasses: 3, rows: null, C: 0.7 };
    const n = parameterCount(3, 3);
    const w = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 0.5);
    const g = new Float32Array(n);
    softmaxLossAndGrad(problem, w, g);
    const scratch = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const h = 1e-2;
      const plus = Float32Array.from(w);
      plus[i] = plus[i]! + h;
      const minus = Float32Array.from(w);
      minus[i] = minus[i]! - h;
      const numeric = (softmaxLossAndGrad(problem, plus, scratch) - softmaxLossAndGrad(problem, minus, scratch)) / (2 * h);
      expect(g[i]).toBeCloseTo(numeric, 4);
    }
  });

  it('two classes: the same model as binary logistic regression with C doubled, solved by Newton’s method', async () => {
    // With two classes the penalised optimum has w₁ = −w₀, so β = w₁ − w₀ minimises
    // Σ log(1 + exp(−s·(β·x + b))) + ‖β‖² / (4C): a binary problem small enough for Newton's method.
    const y = [0, 0, 1, 1, 1, 0, 0, 1];
    const C = 2;
    let beta = [0, 0, 0, 0]; // three weights, then the bias
    for (let iter = 0; iter < 50; iter++) {
      const grad = [0, 0, 0, 0];
      const H = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
      X.forEach((row, i) => {
        const xi = [...row, 1];
        const p = 1 / (1 + Math.exp(-xi.reduce((s, v, j) => s + v * beta[j]!, 0)));
        for (let a = 0; a < 4; a++) {
          grad[a]! += (p - y[i]!) * xi[a]!;
          for (let b = 0; b < 4; b++) H[a]![b]! += p * (1 - p) * xi[a]! * xi[b]!;
        }
      });
      for (let a = 0; a < 3; a++) {
        grad[a]! += beta[a]! / (2 * C);
        H[a]![a]! += 1 / (2 * C);
      }
      beta = beta.map((b, a) => b - solve(H, grad)[a]!);
    }
    const problem: SoftmaxProblem = { x: csr(X), y: Int32Array.from(y), nClasses: 2, rows: null, C };
    const r = await minimizeLbfgs((w, g) => softmaxLossAndGrad(problem, w, g), new Float32Array(parameterCount(3, 2)), { maxIter: 500, tol: 1e-7, memory: 7 });
    expect(r.converged).toBe(true);
    for (let j = 0; j < 3; j++) expect(r.x[j * 2 + 1]! - r.x[j * 2]!).toBeCloseTo(beta[j]!, 4);
    expect(r.x[7]! - r.x[6]!).toBeCloseTo(beta[3]!, 4);
  });

  it('three classes: the probabilities of plain gradient descent run to convergence', async () => {
    const y = Int32Array.from([0, 0, 1, 1, 2, 2, 1, 0]);
    const problem: SoftmaxProblem = { x: csr(X), y, nClasses: 3, rows: null, C: 5 };
    const r = await minimizeLbfgs((w, g) => softmaxLossAndGrad(problem, w, g), new Float32Array(parameterCount(3, 3)), { maxIter: 500, tol: 1e-7, memory: 7 });
    // gradient descent in Float64 on the dense objective, written out independently
    const m = X.length;
    const W = [0, 1, 2].map(() => [0, 0, 0, 0]); // per class: three weights, then the bias
    const probs = (row: number[]) => {
      const z = W.map((w) => w[3]! + row.reduce((s, v, j) => s + v * w[j]!, 0));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      return e.map((v) => v / e.reduce((a, b) => a + b, 0));
    };
    for (let iter = 0; iter < 60_000; iter++) {
      const G = W.map((w) => w.map((v, j) => (j < 3 ? v / (problem.C * m) : 0)));
      X.forEach((row, i) => {
        probs(row).forEach((p, c) => {
          const d = (p - (c === y[i] ? 1 : 0)) / m;
          for (let j = 0; j < 3; j++) G[c]![j]! += d * row[j]!;
          G[c]![3]! += d;
        });
      });
      W.forEach((w, c) => w.forEach((_, j) => (w[j]! -= 2 * G[c]![j]!)));
    }
    const lbfgs = softmaxPredict(problem.x, r.x, 3);
    X.forEach((row, i) => probs(row).forEach((p, c) => expect(lbfgs[i * 3 + c]).toBeCloseTo(p, 4)));
  });

  it('leaving out the columns a fold does not use changes no prediction', async () => {
    // column 3 appears only in the held-out rows 6 and 7
    const x = csr(X.map((row, i) => [...row, i >= 6 ? 1 : 0]));
    const y = Int32Array.from([0, 0, 1, 1, 2, 2, 1, 0]);
    const opts = { maxIter: 500, tol: 1e-7, memory: 7 };
    const full: SoftmaxProblem = { x, y, nClasses: 3, rows: Int32Array.from([0, 1, 2, 3, 4, 5]), C: 3 };
    const wFull = (await minimizeLbfgs((w, g) => softmaxLossAndGrad(full, w, g), new Float32Array(parameterCount(4, 3)), opts)).x;
    const train = compactRows(x, [0, 1, 2, 3, 4, 5]);
    const held = compactRows(x, [6, 7], train.columnOf);
    expect([train.x.cols, held.x.cols]).toEqual([3, 3]);
    const small: SoftmaxProblem = { x: train.x, y: y.slice(0, 6), nClasses: 3, rows: null, C: 3 };
    const wSmall = (await minimizeLbfgs((w, g) => softmaxLossAndGrad(small, w, g), new Float32Array(parameterCount(3, 3)), opts)).x;
    const [a, b] = [softmaxPredict(x, wFull, 3, Int32Array.from([6, 7])), softmaxPredict(held.x, wSmall, 3)];
    a.forEach((p, i) => expect(b[i]).toBeCloseTo(p, 5));
  });

  it('inner cross-validation picks a C from the grid and reports every C', async () => {
    const x = csr(Array.from({ length: 60 }, (_, i) => [i % 3 === 0 ? 1 : 0.1, i % 3 === 1 ? 1 : 0.1, i % 3 === 2 ? 1 : 0.1]));
    const y = Int32Array.from({ length: 60 }, (_, i) => i % 3);
    const fit = await fitLinear(
      x,
      y,
      ['a', 'b', 'c'],
      { C: [0.01, 1, 100], folds: 3, searchRows: 0, seed: 1, maxIter: 200, tol: 1e-5, memory: 7 },
      silentContext(),
    );
    expect(fit.search.map((s) => s.C)).toEqual([0.01, 1, 100]);
    expect(fit.search.every((s) => s.macro_f1 === 1)).toBe(true);
    // equal scores: the strongest penalty
    expect(fit.C).toBe(0.01);
    const logs: string[] = [];
    const ctx = { ...silentContext(), log: (_level: string, message: string) => void logs.push(message) };
    await fitLinear(x, y, ['a', 'b', 'c'], { C: [0.01, 1], folds: 3, searchRows: 30, seed: 1, maxIter: 200, tol: 1e-5, memory: 7 }, ctx);
    expect(logs.join('\n')).toContain('3-fold inner cross-validation on 30 texts');
  });

  it('chooses the smallest C within one standard error of the best macro F1', () => {
    const row = (C: number, macro_f1: number, macro_f1_se: number) => ({ C, macro_f1, macro_f1_se, loss: 0.3 });
    expect(chooseC([row(1, 0.78, 0.004), row(10, 0.7891, 0.003), row(100, 0.7894, 0.003)])).toBe(10);
    expect(chooseC([row(1, 0.9684, 0.001), row(10, 0.9619, 0.001), row(100, 0.953, 0.002)])).toBe(1);
    expect(chooseC([row(1, 0.96, 0.002), row(10, 0.98, 0.001), row(100, 0.985, 0.001)])).toBe(100);
  });
  it('a large n still reaches the optimum, and every C of the search gets its own model', async () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const n = 20_000;
    const dense = Array.from({ length: n }, () => Array.from({ length: 12 }, () => (random() < 0.3 ? random() : 0)));
    const y = Int32Array.from(dense, (row) => (row[0]! + row[1]! - row[2]! + 0.6 * (random() - 0.5) > 0.15 ? 1 : 0));
    const x = csr(dense);
    const opts = { folds: 3, searchRows: 0, seed: 1, maxIter: 1000, tol: 1e-4, memory: 7 };
    const fit = await fitLinear(x, y, ['a', 'b'], { ...opts, C: [100] }, silentContext());
    const problem: SoftmaxProblem = { x, y, nClasses: 2, rows: null, C: 100 };
    const tight = await minimizeLbfgs((w, g) => softmaxLossAndGrad(problem, w, g), new Float32Array(parameterCount(12, 2)), {
      maxIter: 5000,
      tol: 1e-9,
      memory: 7,
    });
    const [p, q] = [softmaxPredict(x, fit.w, 2), softmaxPredict(x, tight.x, 2)];
    expect(Math.max(...p.map((v, i) => Math.abs(v - q[i]!)))).toBeLessThan(0.01);
    const search = (await fitLinear(x, y, ['a', 'b'], { ...opts, C: [0.01, 1, 100] }, silentContext())).search;
    // a fit warm-started from the previous C stopped at once and left it the same held-out loss
    const losses = search.map((s) => s.loss);
    expect(losses[0]! - losses[1]!).toBeGreaterThan(1e-3);
    expect(Math.abs(losses[1]! - losses[2]!)).toBeGreaterThan(1e-4);
  });

  it('a class with one training text: no cross-validation, the middle C of the grid', async () => {
    const x = csr([
      [1, 0, 0],
      [0.9, 0.1, 0],
      [0, 1, 0],
      [0.1, 0.9, 0],
      [0, 0, 1],
    ]);
    const fit = await fitLinear(
      x,
      Int32Array.from([0, 0, 1, 1, 2]),
      ['a', 'b', 'c'],
      { C: [1, 10, 100], folds: 3, searchRows: 0, seed: 1, maxIter: 200, tol: 1e-5, memory: 7 },
      silentContext(),
    );
    expect(fit.search).toEqual([]);
    expect(fit.C).toBe(10);
    expect(Array.from(softmaxPredict(x, fit.w, 3).subarray(12, 15)).indexOf(Math.max(...softmaxPredict(x, fit.w, 3).subarray(12, 15)))).toBe(2);
  });
});

describe('TF-IDF vectorizer', () => {
  const opts = { lowercase: true, maxTokens: 100, wordNgrams: 1 as 1 | 2, charNgrams: 0, minDf: 1, maxFeatures: 100 };

  it('sublinear tf × smooth idf, rows of unit length, as scikit-learn', () => {
    const v = new TfidfVectorizer(opts);
    const m = v.fitTransform(['a a b', 'b c', 'c']);
    // idf = ln((1 + 3) / (1 + df)) + 1; a: df 1, b: df 2, c: df 2
    const idfA = Math.log(4 / 2) + 1;
    const idfB = Math.log(4 / 3) + 1;
    const wa = (1 + Math.log(2)) * idfA;
    const norm = Math.hypot(wa, idfB);
    const row0 = new Map<number, number>();
    for (let k = m.offsets[0]!; k < m.offsets[1]!; k++) row0.set(m.indices[k]!, m.values[k]!);
    expect([...row0.values()].sort()).toEqual([idfB / norm, wa / norm].map(Math.fround).sort());
    expect(m.offsets[3]! - m.offsets[2]!).toBe(1);
    expect(m.values[m.offsets[2]!]).toBeCloseTo(1, 6);
  });

  it('minDf and maxFeatures keep the terms in most texts', () => {
    const texts = ['x y z', 'x y', 'x w', 'x'];
    expect(new TfidfVectorizer({ ...opts, minDf: 2 }).fitTransform(texts).cols).toBe(2);
    const top1 = new TfidfVectorizer({ ...opts, maxFeatures: 1 });
    const m = top1.fitTransform(texts);
    expect(m.cols).toBe(1);
    // only "x" is left: every text has exactly that term
    expect(Array.from(m.offsets)).toEqual([0, 1, 2, 3, 4]);
  });

  it('bigrams and character n-grams add terms', () => {
    const size = (o: Partial<typeof opts>) => new TfidfVectorizer({ ...opts, ...o }).fitTransform(['red apple pie']).cols;
    expect(size({})).toBe(3);
    expect(size({ wordNgrams: 2 })).toBe(5);
    // " red " has 4 bigrams and 3 trigrams of characters
    expect(size({ charNgrams: 3 })).toBeGreaterThan(3 + 3 * 4);
  });
});

describe('the linear classifier', () => {
  it('trains, saves .npy weights, and a loaded classifier reproduces the test predictions', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'ty-linear-'));
    const result = await trainClassifier({ data: topicTexts(300), outDir, model: 'linear', params: { seed: 3, linear: { C: [1, 10] } } }, silentContext());
    expect(result.model).toBe('linear');
    expect(result.training.linear?.search.map((s) => s.C)).toEqual([1, 10]);
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
    for (const f of ['terms.npy', 'idf.npy', 'weights.npy', 'bias.npy']) expect(existsSync(join(outDir, f)), f).toBe(true);
    const clf = loadClassifier(outDir);
    expect(clf.model).toBe('linear');
    const { test } = prepareData(topicTexts(300), parseClassifyParams({ seed: 3 }));
    const predictions = await clf.predictMany(test.map((e) => e.text));
    expect(predictions.filter((p, i) => p.label === test[i]!.label).length / test.length).toBeCloseTo(result.metrics.accuracy, 10);
    for (const p of predictions) expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

/** Solves A·x = b by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    const p = M.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(M[best]![c]!) ? c + k : best), c);
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}
