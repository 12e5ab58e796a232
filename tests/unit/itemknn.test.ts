import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import type { Csr } from '../../main/engine/data/types.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import {
  createItemKnnScorer,
  explainItemKnn,
  knnSettings,
  loadItemKnn,
  saveItemKnn,
  trainItemKnn,
  type ItemKnnModel,
  type ItemKnnParams,
} from '../../main/engine/recsys/itemknn/itemknn.ts';

/** users × items from lists of items per user */
function matrix(nItems: number, histories: number[][]): Csr {
  const rows = histories.flatMap((items, u) => items.map(() => u));
  return csrFromCoo(histories.length, nItems, Int32Array.from(rows), Int32Array.from(histories.flat()), null);
}

/** u0 {0,1}, u1 {0,1,2}, u2 {1,2}: item users 2, 3, 2; together: (0,1) 2, (0,2) 1, (1,2) 2 */
const tiny = matrix(3, [
  [0, 1],
  [0, 1, 2],
  [1, 2],
]);

function row(model: ItemKnnModel, j: number): Record<number, number> {
  const out: Record<number, number> = {};
  for (let p = model.indptr[j]!; p < model.indptr[j + 1]!; p++) out[model.indices[p]!] = model.weights[p]!;
  return out;
}

const params = (p: Partial<ItemKnnParams>): ItemKnnParams => ({ neighbours: 10, shrink: 0, similarity: 'cosine', alpha: 0.5, ...p });
const train = (x: Csr, p: Partial<ItemKnnParams>, threads = 1) => trainItemKnn(x, knnSettings(params(p)), threads, silentContext());

describe('itemknn on a hand-computed 3 × 3 case', () => {
  it('cosine: together / sqrt(users_i · users_j), never an item with itself', async () => {
    const m = await train(tiny, {});
    expect(row(m, 0)[1]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(row(m, 0)[2]).toBeCloseTo(1 / 2, 6);
    expect(row(m, 1)[0]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(row(m, 2)[1]).toBeCloseTo(2 / Math.sqrt(6), 6);
    for (let j = 0; j < 3; j++) expect(row(m, j)[j]).toBeUndefined();
  });

  it('shrinkage adds to the denominator', async () => {
    const m = await train(tiny, { shrink: 1 });
    expect(row(m, 0)[1]).toBeCloseTo(2 / (Math.sqrt(6) + 1), 6);
    expect(row(m, 0)[2]).toBeCloseTo(1 / 3, 6);
  });

  it('asymmetric cosine: the target item’s users to the power alpha, the history item’s to 1 − alpha', async () => {
    const m = await train(tiny, { similarity: 'asymmetric', alpha: 0.8 });
    expect(row(m, 0)[1]).toBeCloseTo(2 / (3 ** 0.8 * 2 ** 0.2), 6);
    expect(row(m, 1)[0]).toBeCloseTo(2 / (2 ** 0.8 * 3 ** 0.2), 6);
    const cosine = await train(tiny, { similarity: 'asymmetric', alpha: 0.5 });
    expect(cosine.weights).toEqual((await train(tiny, {})).weights);
  });

  it('keeps the top k neighbours of each item, best first', async () => {
    const m = await train(tiny, { neighbours: 1 });
    expect(row(m, 0)).toEqual({ 1: Math.fround(2 / Math.sqrt(6)) });
    expect(row(m, 2)).toEqual({ 1: Math.fround(2 / Math.sqrt(6)) });
    expect(Array.from(m.indptr)).toEqual([0, 1, 2, 3]);
    // item 1 is as similar to 0 as to 2: ties go to the smaller index, and rows list the best first
    expect(row(m, 1)).toEqual({ 0: Math.fround(2 / Math.sqrt(6)) });
    const all = await train(tiny, {});
    expect(Array.from(all.indices.subarray(all.indptr[0]!, all.indptr[1]!))).toEqual([1, 2]);
    expect(Array.from(all.indices.subarray(all.indptr[1]!, all.indptr[2]!))).toEqual([0, 2]);
  });

  it('scores a user by summing the neighbour rows of their history, and explains by the contributing items', async () => {
    const m = await train(tiny, {});
    const out = new Float32Array(3);
    createItemKnnScorer(m, tiny).scoreUsers(Int32Array.of(0), out);
    expect(out[2]).toBeCloseTo(1 / 2 + 2 / Math.sqrt(6), 6);
    expect(out[0]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(explainItemKnn(m, Int32Array.of(0, 1), 2, 5)).toEqual([
      { item: 1, weight: Math.fround(2 / Math.sqrt(6)) },
      { item: 0, weight: 0.5 },
    ]);
    expect(explainItemKnn(m, Int32Array.of(0, 1), 2, 1).map((e) => e.item)).toEqual([1]);
    expect(() => explainItemKnn(m, Int32Array.of(0), 3, 1)).toThrow(/outside 0..2/);
    expect(() => explainItemKnn(m, Int32Array.of(-1), 2, 1)).toThrow(/-1 is outside/);
  });
});

describe('itemknn training', () => {
  /** 3000 users × 600 items: enough items that two threads each get work */
  function randomLog(): Csr {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return matrix(
      600,
      Array.from({ length: 3000 }, (_, u) => Array.from({ length: 4 + (u % 9) }, () => Math.floor(rand() ** 2 * 600))),
    );
  }

  it('gives the same neighbours in two worker threads as on one thread', async () => {
    const x = randomLog();
    const one = await train(x, { neighbours: 20, shrink: 5 }, 1);
    const two = await train(x, { neighbours: 20, shrink: 5 }, 2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.indptr).toEqual(one.indptr);
    expect(two.indices).toEqual(one.indices);
    expect(two.weights).toEqual(one.weights);
    expect(one.indptr[600]).toBeGreaterThan(600 * 15);
  });

  it('stops with cancelled when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainItemKnn(randomLog(), knnSettings(params({})), 2, silentContext(controller.signal))).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('saves NumPy arrays that load back, and refuses damaged ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-knn-'));
    const m = await train(tiny, { shrink: 1 });
    saveItemKnn(dir, m, params({ shrink: 1 }));
    const back = loadItemKnn(dir);
    expect(back.indptr).toEqual(m.indptr);
    expect(back.weights).toEqual(m.weights);
    writeFileSync(join(dir, 'neighbour_weights.npy'), 'nope');
    expect(() => loadItemKnn(dir)).toThrow(/retrain the itemknn stage/);
  });
});
