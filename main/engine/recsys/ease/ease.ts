import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../common/contracts/errors.ts';
import type { Csr } from '../../data/types.ts';
import type { TaskContext } from '../../common/task-context.ts';
import { loadFloat32, saveNpy } from '../../common/arrays.ts';
import { easeKernelBytes, solveEase } from './ease-solve.ts';
import type { Scorer } from '../scorer.ts';

/**
 * EASE (Steck, WWW 2019): an item × item weight matrix B with zero diagonal, in closed form
 * B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, on binary implicit feedback X. Dense, so its cost
 * grows with the square (memory) and cube (time) of the catalogue: both are estimated before
 * starting, and a catalogue that does not fit is refused.
 */

export interface EaseParams {
  lambda: number;
  /** refuse catalogues with more items than this */
  maxItems: number;
  /** refuse when the dense matrices need more than this many MiB */
  memoryBudgetMB: number;
}

export interface EaseModel {
  nItems: number;
  /** nItems × nItems, row-major: row j is what history item j adds to every item's score */
  weights: Float32Array;
}

/**
 * Multiply-adds per second and thread assumed for the time estimate: tests/bench/ease.bench.ts
 * measured about this (5000 items, n³/2 multiply-adds, in 30 s on two threads of a busy 2-core
 * machine). The estimate is a guide, not a promise.
 */
const ASSUMED_RATE = 1e9;

export interface EaseEstimate {
  items: number;
  bytes: number;
  seconds: number;
}

/** n² float64 for the solve, n² float32 for B, and O(n) scratch. */
export function estimateEase(nItems: number): EaseEstimate {
  return { items: nItems, bytes: easeKernelBytes(nItems), seconds: nItems ** 3 / 2 / ASSUMED_RATE };
}

/** what one WebAssembly memory can hold */
const KERNEL_LIMIT_BYTES = 2 ** 32;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Refuses a catalogue above the item limit or the memory budget, with the figures. */
export function checkEaseFits(nItems: number, params: EaseParams): EaseEstimate {
  const e = estimateEase(nItems);
  const budget = params.memoryBudgetMB * 2 ** 20;
  const figures = `${nItems} items need ${mib(e.bytes)} (a dense ${nItems} × ${nItems} float64 solve plus float32 weights) and about ${Math.ceil(e.seconds)} s on one core`;
  const limit =
    nItems > params.maxItems
      ? { field: 'ease.maxItems', why: `ease.maxItems is ${params.maxItems}` }
      : e.bytes > budget
        ? { field: 'ease.memoryBudgetMB', why: `ease.memoryBudgetMB is ${params.memoryBudgetMB} MiB` }
        : e.bytes > KERNEL_LIMIT_BYTES
          ? { field: 'ease.maxItems', why: 'the solve can address at most 4 GiB (one WebAssembly memory)' }
          : null;
  if (limit) {
    throw new EngineError('invalid-input', `EASE does not fit: ${figures}, and ${limit.why}`, {
      field: limit.field,
      items: nItems,
      bytes: e.bytes,
      seconds: Math.ceil(e.seconds),
      hint: 'use the itemknn stage (sparse, scales to large catalogues), or raise ease.maxItems / ease.memoryBudgetMB if the machine has the memory and time',
    });
  }
  return e;
}

/** `threads` 0 uses the machine's cores (up to 8); the result does not depend on it. */
export async function trainEase(train: Csr, params: EaseParams, threads: number, ctx: TaskContext): Promise<EaseModel & { threads: number }> {
  if (!(params.lambda > 0)) throw new EngineError('invalid-input', `ease.lambda must be above 0, got ${params.lambda}`, { field: 'ease.lambda' });
  const n = train.nCols;
  const e = checkEaseFits(n, params);
  ctx.log('info', `EASE: ${n} items, about ${mib(e.bytes)} and ${Math.ceil(e.seconds)} s on one core (estimated)`);
  const { weights, threads: used } = await solveEase(train, params.lambda, threads, ctx);
  return { nItems: n, weights, threads: used };
}

const WEIGHTS_FILE = 'weights.npy';

export function saveEase(dir: string, model: EaseModel, params: EaseParams): void {
  saveNpy(join(dir, WEIGHTS_FILE), model.weights, [model.nItems, model.nItems]);
  writeFileSync(join(dir, 'ease.json'), JSON.stringify({ ...params, layout: 'weights.npy: row j = what history item j adds to each item' }, null, 2) + '\n');
}

export function loadEase(dir: string): EaseModel {
  const path = join(dir, WEIGHTS_FILE);
  let a: { data: Float32Array; shape: number[] };
  try {
    a = loadFloat32(path);
  } catch (err) {
    throw new EngineError('invalid-input', `${path}: cannot read EASE weights (${(err as Error).message}); retrain the ease stage`, { file: path });
  }
  if (a.shape.length !== 2 || a.shape[0] !== a.shape[1]) {
    throw new EngineError('invalid-input', `${path}: expected a square item × item matrix, found shape (${a.shape.join(', ')}); retrain the ease stage`, {
      file: path,
    });
  }
  return { nItems: a.shape[0]!, weights: a.data };
}

/** A user's scores: the sum of the weight rows of the items in their training history. */
export function createEaseScorer(model: EaseModel, history: Csr): Scorer {
  const { nItems, weights } = model;
  if (history.nCols !== nItems) throw new EngineError('invalid-input', `EASE has ${nItems} items but the history ${history.nCols}; retrain the ease stage`);
  return {
    nItems,
    scoreUsers(users, out) {
      out.fill(0, 0, users.length * nItems);
      for (let r = 0; r < users.length; r++) {
        const u = users[r]!;
        const row = out.subarray(r * nItems, (r + 1) * nItems);
        for (let h = history.indptr[u]!; h < history.indptr[u + 1]!; h++) {
          const from = history.indices[h]! * nItems;
          for (let i = 0; i < nItems; i++) row[i]! += weights[from + i]!;
        }
      }
    },
  };
}

/** The history items that contributed most to `item`'s score: each with its weight B[history item][item]. */
export function explainEase(model: EaseModel, history: Int32Array, item: number, n: number): { item: number; weight: number }[] {
  for (const i of [item, ...history]) {
    if (!Number.isInteger(i) || i < 0 || i >= model.nItems)
      throw new EngineError('invalid-input', `EASE explain: item index ${i} is outside 0..${model.nItems - 1}`);
  }
  const contributions = Array.from(history, (j) => ({ item: j, weight: model.weights[j * model.nItems + item]! }));
  contributions.sort((a, b) => b.weight - a.weight || a.item - b.item);
  return contributions.slice(0, Math.max(0, n));
}
