import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import type { Csr } from '../../main/engine/data/types.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { checkEaseFits, createEaseScorer, estimateEase, explainEase, loadEase, saveEase, trainEase } from '../../main/engine/recsys/ease/ease.ts';
import { createItemKnnScorer, knnSettings, trainItemKnn } from '../../main/engine/recsys/itemknn/itemknn.ts';

function matrix(nItems: number, histories: number[][]): Csr {
  const rows = histories.flatMap((items, u) => items.map(() => u));
  return csrFromCoo(histories.length, nItems, Int32Array.from(rows), Int32Array.from(histories.flat()), null);
}

function randomLog(nUsers: number, nItems: number, seed: number): Csr {
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return matrix(
    nItems,
    Array.from({ length: nUsers }, (_, u) => Array.from({ length: 3 + (u % 11) }, () => Math.floor(rand() ** 2 * nItems))),
  );
}

/** XᵀX (binary X) as rows of numbers */
function gram(x: Csr): number[][] {
  const g = Array.from({ length: x.nCols }, () => new Array<number>(x.nCols).fill(0));
  for (let u = 0; u < x.nRows; u++) {
    const items = Array.from(x.indices.subarray(x.indptr[u]!, x.indptr[u + 1]!));
    for (const a of items) for (const b of items) g[a]![b]! += 1;
  }
  return g;
}

/** Gauss–Jordan inverse with partial pivoting: independent of the Cholesky route under test. */
function inverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[pivot]![k]!)) pivot = i;
    [a[k], a[pivot]] = [a[pivot]!, a[k]!];
    const p = a[k]![k]!;
    for (let j = 0; j < 2 * n; j++) a[k]![j]! /= p;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = a[i]![k]!;
      for (let j = 0; j < 2 * n; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  return a.map((r) => r.slice(n));
}

/** Steck's closed form from an independent inverse: B_ij = −P_ij / P_jj, zero diagonal. */
function referenceB(x: Csr, lambda: number): number[][] {
  const g = gram(x);
  const p = inverse(g.map((r, i) => r.map((v, j) => v + (i === j ? lambda : 0))));
  return p.map((r, i) => r.map((v, j) => (i === j ? 0 : -v / p[j]![j]!)));
}

const roomy = { maxItems: 10_000, memoryBudgetMB: 1024 };

describe('ease', () => {
  it('matches the closed form on a hand-sized case (3 users × 3 items, lambda 1)', async () => {
    // X = [[1,1,0],[1,1,1],[0,1,1]]: XᵀX + I = [[3,2,1],[2,4,2],[1,2,3]], whose inverse is [[2,-1,0],[-1,2,-1],[0,-1,2]] / 3
    const x = matrix(3, [
      [0, 1],
      [0, 1, 2],
      [1, 2],
    ]);
    const m = await trainEase(x, { lambda: 1, ...roomy }, 1, silentContext());
    const expected = [
      [0, 0.5, 0],
      [0.5, 0, 0.5],
      [0, 0.5, 0],
    ];
    expected.flat().forEach((v, k) => expect(m.weights[k]).toBeCloseTo(v, 6));
    expect(
      referenceB(x, 1)
        .flat()
        .map((v) => Math.round(v * 1e9) / 1e9 + 0),
    ).toEqual(expected.flat());
  });

  it('explains a score by the history items’ weights, which add up to it', async () => {
    const x = randomLog(200, 30, 3);
    const m = await trainEase(x, { lambda: 5, ...roomy }, 1, silentContext());
    const history = x.indices.slice(x.indptr[7]!, x.indptr[8]!);
    const scores = new Float32Array(30);
    createEaseScorer(m, x).scoreUsers(Int32Array.of(7), scores);
    const target = history.includes(4) ? 5 : 4;
    const parts = explainEase(m, history, target, 100);
    expect(parts.map((p) => p.item).sort((a, b) => a - b)).toEqual(Array.from(history).sort((a, b) => a - b));
    expect(parts.reduce((s, p) => s + p.weight, 0)).toBeCloseTo(scores[target]!, 5);
    expect(parts.map((p) => p.weight)).toEqual([...parts.map((p) => p.weight)].sort((a, b) => b - a));
    expect(explainEase(m, history, target, 2)).toEqual(parts.slice(0, 2));
    expect(() => explainEase(m, history, 30, 1)).toThrow(/30 is outside 0..29/);
  });

  it('matches an independent Gauss–Jordan inverse on 300 items (crossing every block size of the solve)', async () => {
    const x = randomLog(1500, 300, 9);
    const m = await trainEase(x, { lambda: 20, ...roomy }, 1, silentContext());
    const b = referenceB(x, 20);
    let worst = 0;
    b.forEach((r, i) => r.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - m.weights[i * 300 + j]!)))));
    expect(worst).toBeLessThan(1e-6);
    for (let i = 0; i < 300; i++) expect(m.weights[i * 301]).toBe(0);
  });

  it('gives the same B on two worker threads as on one', async () => {
    const x = randomLog(3000, 600, 12);
    const one = await trainEase(x, { lambda: 10, ...roomy }, 1, silentContext());
    const two = await trainEase(x, { lambda: 10, ...roomy }, 2, silentContext());
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.weights).toEqual(one.weights);
  });

  it('with a huge lambda ranks like unnormalised co-occurrence, as does itemknn with a huge shrink and every neighbour', async () => {
    // (XᵀX + λI)⁻¹ = I/λ − XᵀX/λ² + O(λ⁻³), so λ·B_ij → (XᵀX)_ij; and n_ij / (norms + s) · s → n_ij
    const x = randomLog(400, 60, 4);
    const big = 1e7;
    const g = gram(x);
    const ease = createEaseScorer(await trainEase(x, { lambda: big, ...roomy }, 1, silentContext()), x);
    const knn = createItemKnnScorer(
      await trainItemKnn(x, knnSettings({ neighbours: 60, shrink: big, similarity: 'cosine', alpha: 0.5 }), 1, silentContext()),
      x,
    );
    const users = Int32Array.from({ length: 400 }, (_, u) => u);
    const easeScores = new Float32Array(400 * 60);
    const knnScores = new Float32Array(400 * 60);
    ease.scoreUsers(users, easeScores);
    knn.scoreUsers(users, knnScores);
    let disagreements = 0;
    for (let u = 0; u < 400; u++) {
      const history = Array.from(x.indices.subarray(x.indptr[u]!, x.indptr[u + 1]!));
      const cooc = Array.from({ length: 60 }, (_, i) => history.reduce((s, j) => s + (j === i ? 0 : g[j]![i]!), 0));
      for (let i = 0; i < 60; i++) {
        expect(Math.abs(easeScores[u * 60 + i]! * big - cooc[i]!)).toBeLessThan(1e-3 * (1 + cooc[i]!));
        expect(Math.abs(knnScores[u * 60 + i]! * big - cooc[i]!)).toBeLessThan(1e-3 * (1 + cooc[i]!));
        // every pair the co-occurrence tells apart, both models order the same way
        for (let k = 0; k < i; k++) {
          if (cooc[i] === cooc[k]) continue;
          const want = Math.sign(cooc[i]! - cooc[k]!);
          if (Math.sign(easeScores[u * 60 + i]! - easeScores[u * 60 + k]!) !== want) disagreements++;
          if (Math.sign(knnScores[u * 60 + i]! - knnScores[u * 60 + k]!) !== want) disagreements++;
        }
      }
    }
    expect(disagreements).toBe(0);
  });

  it('refuses a catalogue above the item limit or the memory budget, with the figures, and suggests itemknn', () => {
    const bytes = estimateEase(10_000).bytes;
    expect(bytes).toBeGreaterThanOrEqual(10_000 * 10_000 * 12);
    expect(bytes).toBeLessThan(10_000 * 10_000 * 12 + 2 ** 20);
    expect(() => checkEaseFits(20_000, { lambda: 500, maxItems: 10_000, memoryBudgetMB: 1e6 })).toThrow(
      expect.objectContaining({ kind: 'invalid-input', message: expect.stringMatching(/20000 items need 457\d MiB .* and ease.maxItems is 10000/) as unknown }),
    );
    try {
      checkEaseFits(5000, { lambda: 500, maxItems: 10_000, memoryBudgetMB: 100 });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ kind: 'invalid-input', details: { field: 'ease.memoryBudgetMB', items: 5000, bytes: estimateEase(5000).bytes } });
      expect((err as Error).message).toMatch(/5000 items need 286 MiB .* ease.memoryBudgetMB is 100 MiB/);
      expect((err as { details: { hint: string } }).details.hint).toMatch(/itemknn/);
    }
    expect(checkEaseFits(1000, { lambda: 500, maxItems: 10_000, memoryBudgetMB: 100 }).bytes).toBeLessThan(100 * 2 ** 20);
    expect(() => checkEaseFits(19_000, { lambda: 500, maxItems: 1e6, memoryBudgetMB: 1e6 })).toThrow(/19000 items need 413\d MiB .* at most 4 GiB/);
  });

  it('training refuses before allocating anything', async () => {
    await expect(trainEase(randomLog(50, 40, 2), { lambda: 1, maxItems: 39, memoryBudgetMB: 1024 }, 1, silentContext())).rejects.toMatchObject({
      details: { field: 'ease.maxItems' },
    });
  });

  it('stops with cancelled when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainEase(randomLog(50, 40, 2), { lambda: 1, ...roomy }, 1, silentContext(controller.signal))).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('saves B as a square float32 .npy that loads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-ease-'));
    const m = await trainEase(randomLog(50, 40, 2), { lambda: 2, ...roomy }, 1, silentContext());
    saveEase(dir, m, { lambda: 2, ...roomy });
    expect(loadEase(dir)).toEqual({ nItems: 40, weights: m.weights });
  });
});
