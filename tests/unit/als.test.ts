import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import type { Csr } from '../../main/engine/data/types.ts';
import { silentContext, type ProgressUpdate, type TaskContext } from '../../main/engine/common/task-context.ts';
import {
  ALS_DEFAULTS,
  confidenceMinusOne,
  createAlsScorer,
  explainAls,
  loadAls,
  saveAls,
  similarItems,
  trainAls,
  type AlsModel,
  type AlsParams,
} from '../../main/engine/recsys/als/als.ts';
import { denseSolve } from '../fixtures/als/dense-solve.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Two user groups with disjoint tastes: users < 40 pick 8 of items 0..29, the others 8 of items 30..59. */
function plantedLog(): Csr {
  const rnd = rng(11);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 80; u++) {
    const base = u < 40 ? 0 : 30;
    for (let n = 0; n < 8; n++) {
      rows.push(u);
      cols.push(base + Math.floor(rnd() * 30));
    }
  }
  return csrFromCoo(80, 60, Int32Array.from(rows), Int32Array.from(cols), null);
}

function randomLog(nUsers: number, nItems: number, nnz: number, seed: number): Csr {
  const rnd = rng(seed);
  const rows = Int32Array.from({ length: nnz }, () => Math.floor(rnd() * nUsers));
  const cols = Int32Array.from({ length: nnz }, () => Math.floor(rnd() ** 2 * nItems));
  return csrFromCoo(nUsers, nItems, rows, cols, null);
}

const small: AlsParams = { ...ALS_DEFAULTS, factors: 8, iterations: 8, regularization: 0.1, alpha: 10, threads: 2, seed: 5 };

function recording(): { ctx: TaskContext; updates: ProgressUpdate[] } {
  const updates: ProgressUpdate[] = [];
  return { ctx: { ...silentContext(), progress: (u) => updates.push(u) }, updates };
}

describe('trainAls', () => {
  const log = randomLog(300, 120, 3000, 1);

  const params = { ...small, factors: 16, iterations: 6, confidence: 'log' as const };
  const run = recording();
  let trained: AlsModel;
  beforeAll(async () => {
    trained = await trainAls(log, params, run.ctx);
  });

  it('reports a training loss per iteration that goes down', () => {
    const { updates } = run;
    expect(updates.map((u) => [u.stage, u.current, u.total, u.unit])).toEqual([1, 2, 3, 4, 5, 6].map((i) => ['als', i, 6, 'iteration']));
    const losses = updates.map((u) => u.metrics!.loss!);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-6));
    expect(losses.at(-1)!).toBeLessThan(0.9 * losses[0]!);
    expect(losses.at(-1)!).toBeCloseTo(objective(log, trained, params), 6);
  });

  it('is deterministic for a seed and thread count', async () => {
    const a = trained;
    const [b, c] = await Promise.all([trainAls(log, params, silentContext()), trainAls(log, { ...params, seed: 6 }, silentContext())]);
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(c.userFactors).not.toEqual(a.userFactors);
    expect(a.userFactors.length).toBe(300 * 16);
  });

  it('stops between iterations with a cancelled EngineError', async () => {
    const controller = new AbortController();
    const updates: ProgressUpdate[] = [];
    const ctx: TaskContext = {
      ...silentContext(controller.signal),
      progress: (u) => {
        updates.push(u);
        if (u.current === 2) controller.abort();
      },
    };
    const err = await trainAls(log, small, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).kind).toBe('cancelled');
    expect(updates.length).toBe(2);
  });

  it('handles users and items without interactions, and more threads than rows', async () => {
    const m = csrFromCoo(2, 5, Int32Array.of(0, 0), Int32Array.of(1, 3), Float32Array.of(2, 1));
    const model = await trainAls(m, { ...small, threads: 3, confidence: 'log' }, silentContext());
    expect(model.userFactors.every(Number.isFinite)).toBe(true);
    expect(model.itemFactors.every(Number.isFinite)).toBe(true);
    // rows without interactions solve to exactly zero
    expect(Array.from(model.itemFactors.subarray(4 * 8, 5 * 8))).toEqual(new Array(8).fill(0));
    expect(Array.from(model.userFactors.subarray(1 * 8, 2 * 8))).toEqual(new Array(8).fill(0));
    expect(Math.hypot(...model.itemFactors.subarray(3 * 8, 4 * 8))).toBeGreaterThan(0.1);
  });

  it('rejects bad parameters and matrices as invalid input', async () => {
    await expect(trainAls(log, { ...small, factors: 0 }, silentContext())).rejects.toMatchObject({ kind: 'invalid-input', details: { field: 'factors' } });
    await expect(trainAls(log, { ...small, confidence: 'square' as 'log' }, silentContext())).rejects.toMatchObject({ kind: 'invalid-input' });
    const broken = { ...log, indices: Int32Array.from(log.indices, (c, e) => (e === 5 ? 999 : c)) };
    await expect(trainAls(broken, small, silentContext())).rejects.toThrow(/item index 999 at entry 5/);
    const negative = { ...log, data: Float32Array.from(log.data, (v, e) => (e === 2 ? -1 : v)) };
    await expect(trainAls(negative, small, silentContext())).rejects.toThrow(/value -1 at entry 2/);
  });
});

describe('ALS on planted structure', () => {
  const log = plantedLog();
  let model: AlsModel;
  beforeAll(async () => {
    // a few factors: enough for the two blocks, too few to memorise single users
    model = await trainAls(log, { ...small, factors: 4, iterations: 10 }, silentContext());
  });
  const groupOf = (item: number) => (item < 30 ? 0 : 1);

  it('recommends items from the user group', () => {
    const scorer = createAlsScorer(model);
    const users = Int32Array.of(3, 45);
    const out = new Float32Array(2 * model.nItems);
    scorer.scoreUsers(users, out);
    users.forEach((u, b) => {
      const seen = new Set(log.indices.subarray(log.indptr[u]!, log.indptr[u + 1]!));
      const ranked = Array.from({ length: model.nItems }, (_, i) => i)
        .filter((i) => !seen.has(i))
        .sort((i, j) => out[b * model.nItems + j]! - out[b * model.nItems + i]!);
      expect(ranked.slice(0, 10).map(groupOf)).toEqual(new Array(10).fill(u < 40 ? 0 : 1));
    });
  });

  it('finds similar items in the same group, never the item itself', () => {
    const similar = similarItems(model, 35, 5);
    expect(similar).toHaveLength(5);
    expect(similar.map((s) => s.item)).not.toContain(35);
    expect(similar.every((s) => groupOf(s.item) === 1)).toBe(true);
    expect(similar[0]!.score).toBeGreaterThanOrEqual(similar[4]!.score);
    expect(similar[0]!.score).toBeLessThanOrEqual(1 + 1e-6);
    expect(() => similarItems(model, 60, 5)).toThrow(/outside 0..59/);
  });

  it('explains a score: contributions sum to the exactly solved user score', () => {
    const u = 7;
    const history = log.indices.slice(log.indptr[u]!, log.indptr[u + 1]!);
    const confidences = Float32Array.from(log.data.subarray(log.indptr[u]!, log.indptr[u + 1]!), (v) => 1 + confidenceMinusOne(v, small));
    const item = 12;
    const all = explainAls(model, history, confidences, item, history.length, small);
    expect(all).toHaveLength(history.length);
    for (let i = 1; i < all.length; i++) expect(all[i]!.weight).toBeLessThanOrEqual(all[i - 1]!.weight);
    expect(explainAls(model, history, confidences, item, 2, small)).toEqual(all.slice(0, 2));

    // x_u solved exactly from (Y^T C_u Y + reg I) x = Y^T C_u p_u, then score = y_item . x_u
    const k = model.factors;
    const y = (i: number, f: number) => model.itemFactors[i * k + f]!;
    const a = Array.from({ length: k }, (_, p) => Array.from({ length: k }, (_, q) => (p === q ? small.regularization : 0)));
    const b = new Array<number>(k).fill(0);
    for (let i = 0; i < model.nItems; i++) {
      const h = history.indexOf(i);
      const c = h >= 0 ? confidences[h]! : 1;
      for (let p = 0; p < k; p++) {
        if (h >= 0) b[p]! += c * y(i, p);
        for (let q = 0; q < k; q++) a[p]![q]! += c * y(i, p) * y(i, q);
      }
    }
    const x = denseSolve(a, b);
    const score = x.reduce((s, v, f) => s + v * y(item, f), 0);
    const total = all.reduce((s, w) => s + w.weight, 0);
    expect(total).toBeCloseTo(score, 4);
    // and the trained (3-step CG) user vector is close to the exact one
    const trained = x.reduce((s, _, f) => s + model.userFactors[u * k + f]! * y(item, f), 0);
    expect(Math.abs(trained - score)).toBeLessThan(0.05 * Math.max(1, Math.abs(score)));
  });

  it('saves and loads factors as .npy', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'als-')), 'model');
    saveAls(dir, model);
    const back: AlsModel = loadAls(dir);
    expect(back).toEqual(model);
    expect(() => loadAls(join(dir, 'missing'))).toThrow(EngineError);
  });
});

/** The implicit-ALS objective over all user-item pairs, normalised like implicit's calculate_loss. */
function objective(m: Csr, model: AlsModel, p: AlsParams): number {
  const k = model.factors;
  let total = 0;
  let norm = 0;
  for (let u = 0; u < model.nUsers; u++) {
    const c = new Float64Array(model.nItems).fill(1);
    const pref = new Float64Array(model.nItems);
    for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) {
      c[m.indices[e]!] = 1 + confidenceMinusOne(m.data[e]!, p);
      pref[m.indices[e]!] = 1;
    }
    for (let i = 0; i < model.nItems; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += model.userFactors[u * k + f]! * model.itemFactors[i * k + f]!;
      total += c[i]! * (pref[i]! - s) ** 2;
      norm += c[i]!;
    }
  }
  const sq = (a: Float32Array) => a.reduce((s, v) => s + v * v, 0);
  return (total + p.regularization * (sq(model.userFactors) + sq(model.itemFactors))) / norm;
}
