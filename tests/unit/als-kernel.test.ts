import { describe, expect, it } from 'vitest';
import { alsKernelModule, f32View, i32View, instantiateAlsKernel, MemoryPlan, solveScratchBytes } from '../../main/engine/recsys/als/als-kernel.ts';
import { createAlsScorer, type AlsModel } from '../../main/engine/recsys/als/als.ts';
import { denseSolve } from '../fixtures/als/dense-solve.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/** One user row (items `cols` with c - 1 = `cm1`) against random item factors, laid out as trainAls does. */
function setup(k: number, nItems: number, cols: number[], cm1: number[]) {
  const plan = new MemoryPlan();
  const at = {
    x: plan.alloc(k * 4),
    y: plan.alloc(nItems * k * 4),
    g: plan.alloc(k * k * 4),
    indptr: plan.alloc(8),
    indices: plan.alloc(cols.length * 4),
    cm1: plan.alloc(cols.length * 4),
    scratch: plan.alloc(solveScratchBytes(k, cols.length)),
  };
  const memory = plan.create('test');
  const kernel = instantiateAlsKernel(alsKernelModule(), memory);
  const rnd = rng(3);
  const y = f32View(memory, at.y, nItems * k);
  for (let i = 0; i < y.length; i++) y[i] = rnd();
  const x = f32View(memory, at.x, k);
  for (let i = 0; i < k; i++) x[i] = 0.1 * rnd();
  i32View(memory, at.indptr, 2).set([0, cols.length]);
  i32View(memory, at.indices, cols.length).set(cols);
  f32View(memory, at.cm1, cols.length).set(cm1);
  kernel.gram(at.y, 0, nItems, k, at.g);
  return { kernel, memory, at, x, y, g: f32View(memory, at.g, k * k) };
}

const row = (a: Float32Array, i: number, k: number) => Array.from(a.subarray(i * k, (i + 1) * k));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('ALS kernel', () => {
  const k = 16;
  const nItems = 40;
  // 13 entries: three blocks of four and a single one in the kernel's sparse loops
  const cols = [1, 2, 4, 6, 9, 11, 17, 22, 23, 27, 30, 38, 39];
  const cm1 = [40, 9, 3, 80, 0.5, 12, 2, 40, 7, 200, 1, 15, 4];

  it('computes the gram matrix Y^T Y', () => {
    const { y, g } = setup(k, nItems, cols, cm1);
    for (const [a, b] of [
      [0, 0],
      [3, 7],
      [15, 2],
    ] as const) {
      let s = 0;
      for (let i = 0; i < nItems; i++) s += y[i * k + a]! * y[i * k + b]!;
      expect(g[a * k + b]!).toBeCloseTo(s, 4);
    }
  });

  it('computes every entry of a gram with several 16-lane blocks (lower blocks mirrored)', () => {
    const wide = 48;
    const { y, g } = setup(wide, nItems, cols, cm1);
    for (let a = 0; a < wide; a++) {
      for (let b = 0; b < wide; b++) {
        let s = 0;
        for (let i = 0; i < nItems; i++) s += y[i * wide + a]! * y[i * wide + b]!;
        expect(g[a * wide + b]!).toBeCloseTo(s, 4);
      }
    }
  });

  it('CG row update matches a dense solve of (Y^T C_u Y + reg I) x = Y^T C_u p_u', () => {
    const reg = 0.05;
    const { kernel, at, x, y } = setup(k, nItems, cols, cm1);
    const a: number[][] = Array.from({ length: k }, (_, p) => Array.from({ length: k }, (_, q) => (p === q ? reg : 0)));
    const b = new Array<number>(k).fill(0);
    for (let i = 0; i < nItems; i++) {
      const idx = cols.indexOf(i);
      const c = idx >= 0 ? 1 + cm1[idx]! : 1;
      const yi = row(y, i, k);
      for (let p = 0; p < k; p++) {
        if (idx >= 0) b[p]! += c * yi[p]!;
        for (let q = 0; q < k; q++) a[p]![q]! += c * yi[p]! * yi[q]!;
      }
    }
    const exact = denseSolve(a, b);
    // CG converges in k steps in exact arithmetic; float32 needs a few more
    kernel.solveRows(at.x, at.y, at.g, at.indptr, at.indices, at.cm1, 0, 1, k, reg, 2 * k, at.scratch, 0);
    const err = Math.sqrt(exact.reduce((s, v, i) => s + (v - x[i]!) ** 2, 0) / dot(exact, exact));
    expect(err).toBeLessThan(1e-3);
  });

  it('three CG steps from the current row already reduce the residual', () => {
    const reg = 0.05;
    const { kernel, at, x, y, g } = setup(k, nItems, cols, cm1);
    const residual = () => {
      const xs = Array.from(x);
      const r = new Array<number>(k).fill(0);
      for (let p = 0; p < k; p++) r[p] = -reg * xs[p]! - dot(row(g, p, k), xs);
      cols.forEach((j, e) => {
        const yj = row(y, j, k);
        const coef = 1 + cm1[e]! - cm1[e]! * dot(yj, xs);
        for (let p = 0; p < k; p++) r[p]! += coef * yj[p]!;
      });
      return Math.sqrt(dot(r, r));
    };
    const before = residual();
    kernel.solveRows(at.x, at.y, at.g, at.indptr, at.indices, at.cm1, 0, 1, k, reg, 3, at.scratch, 0);
    expect(residual()).toBeLessThan(0.5 * before);
  });

  it("returns the updated row's observed loss terms, sum of c (1 - p)^2 - p^2, when asked", () => {
    const { kernel, at, x, y } = setup(k, nItems, cols, cm1);
    const loss = kernel.solveRows(at.x, at.y, at.g, at.indptr, at.indices, at.cm1, 0, 1, k, 0.05, 3, at.scratch, 1);
    const xs = Array.from(x);
    let expected = 0;
    cols.forEach((j, e) => {
      const p = dot(row(y, j, k), xs);
      expected += (1 + cm1[e]!) * (1 - p) ** 2 - p * p;
    });
    expect(loss).toBeCloseTo(expected, 3);
    expect(kernel.solveRows(at.x, at.y, at.g, at.indptr, at.indices, at.cm1, 0, 1, k, 0.05, 3, at.scratch, 0)).toBe(0);
  });

  it('solves rows in pairs exactly as one at a time (odd row count, empty row, loss included)', () => {
    const rowCols = [cols, [0, 3, 5, 8, 9, 30], [], [2, 4, 6, 7, 11, 12, 13, 20, 21, 33, 35], [1, 38]];
    const nRows = rowCols.length;
    const nnz = rowCols.reduce((s, c) => s + c.length, 0);
    const run = (calls: [number, number][]) => {
      const plan = new MemoryPlan();
      const at = {
        x: plan.alloc(nRows * k * 4),
        y: plan.alloc(nItems * k * 4),
        g: plan.alloc(k * k * 4),
        indptr: plan.alloc((nRows + 1) * 4),
        indices: plan.alloc(nnz * 4),
        cm1: plan.alloc(nnz * 4),
        scratch: plan.alloc(solveScratchBytes(k, cols.length)),
      };
      const memory = plan.create('test');
      const kernel = instantiateAlsKernel(alsKernelModule(), memory);
      const rnd = rng(5);
      const y = f32View(memory, at.y, nItems * k);
      for (let i = 0; i < y.length; i++) y[i] = rnd();
      const x = f32View(memory, at.x, nRows * k);
      for (let i = 0; i < x.length; i++) x[i] = 0.1 * rnd();
      const indptr = i32View(memory, at.indptr, nRows + 1);
      rowCols.forEach((c, u) => (indptr[u + 1] = indptr[u]! + c.length));
      i32View(memory, at.indices, nnz).set(rowCols.flat());
      f32View(memory, at.cm1, nnz).set(rowCols.flat().map((j) => (j * 7) % 13));
      kernel.gram(at.y, 0, nItems, k, at.g);
      let loss = 0;
      for (const [r0, r1] of calls) loss += kernel.solveRows(at.x, at.y, at.g, at.indptr, at.indices, at.cm1, r0, r1, k, 0.05, 3, at.scratch, 1);
      return { x: Array.from(x), loss };
    };
    const together = run([[0, nRows]]);
    const alone = run(rowCols.map((_, u) => [u, u + 1]));
    expect(together.x).toEqual(alone.x);
    expect(together.x.slice(2 * k, 3 * k).every((v) => v === 0)).toBe(true);
    expect(together.loss).toBeCloseTo(alone.loss, 9);
    expect(together.x).not.toEqual(run([]).x);
  });
});

describe('createAlsScorer', () => {
  it('scores every item for each user like plain dot products (odd sizes, more users than a batch)', () => {
    const rnd = rng(9);
    const factors = 10;
    const model: AlsModel = {
      nUsers: 90,
      nItems: 37,
      factors,
      userFactors: Float32Array.from({ length: 90 * factors }, rnd),
      itemFactors: Float32Array.from({ length: 37 * factors }, rnd),
    };
    const scorer = createAlsScorer(model);
    const users = Int32Array.from({ length: 70 }, (_, b) => (b * 7) % 90);
    const out = new Float32Array(users.length * model.nItems);
    scorer.scoreUsers(users, out);
    users.forEach((u, b) => {
      for (let i = 0; i < model.nItems; i++) {
        expect(out[b * model.nItems + i]!).toBeCloseTo(dot(row(model.userFactors, u, factors), row(model.itemFactors, i, factors)), 5);
      }
    });
    expect(() => scorer.scoreUsers(Int32Array.of(90), new Float32Array(37))).toThrow(/outside/);
    expect(() => scorer.scoreUsers(Int32Array.of(1, 2), new Float32Array(37))).toThrow(/needs 2 users/);
  });
});
