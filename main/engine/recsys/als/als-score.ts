import { EngineError } from '../../../common/contracts/errors.ts';
import type { AlsModel } from './als.ts';
import { alsKernelModule, f32View, instantiateAlsKernel, MemoryPlan, paddedFactors } from './als-kernel.ts';

export interface AlsScorer {
  nItems: number;
  /** Writes user . item for every item: out row b (nItems floats) belongs to users[b]. */
  scoreUsers(users: Int32Array, out: Float32Array): void;
}

/** Users scored per kernel call: their factors and score rows stay in cache while item panels stream by. */
const BATCH = 64;
const PANEL = 8;

/**
 * Full-catalogue scoring with the WASM SIMD kernel. Item factors are packed once into panels of 8 items
 * (factor-major inside a panel) so that each 4-user x 8-item tile accumulates in registers.
 */
export function createAlsScorer(model: AlsModel): AlsScorer {
  const { nItems, nUsers, factors } = model;
  const k = paddedFactors(factors);
  const nPanels = Math.ceil(nItems / PANEL);
  const stride = nPanels * PANEL;
  const plan = new MemoryPlan();
  const panelsAt = plan.alloc(stride * k * 4);
  const usersAt = plan.alloc(BATCH * k * 4);
  const outAt = plan.alloc(BATCH * stride * 4);
  const memory = plan.create('ALS scoring');
  const kernel = instantiateAlsKernel(alsKernelModule(), memory);

  const panels = f32View(memory, panelsAt, stride * k);
  for (let i = 0; i < nItems; i++) {
    const base = Math.floor(i / PANEL) * PANEL * k + (i % PANEL);
    for (let f = 0; f < factors; f++) panels[base + f * PANEL] = model.itemFactors[i * factors + f]!;
  }
  const userRows = f32View(memory, usersAt, BATCH * k);
  const scores = f32View(memory, outAt, BATCH * stride);

  function scoreUsers(users: Int32Array, out: Float32Array): void {
    if (out.length < users.length * nItems) {
      throw new EngineError('invalid-input', `ALS scoreUsers: out holds ${out.length} floats, needs ${users.length} users x ${nItems} items`);
    }
    for (let b0 = 0; b0 < users.length; b0 += BATCH) {
      const count = Math.min(BATCH, users.length - b0);
      userRows.fill(0);
      for (let b = 0; b < count; b++) {
        const u = users[b0 + b]!;
        if (!Number.isInteger(u) || u < 0 || u >= nUsers) throw new EngineError('invalid-input', `ALS scoreUsers: user index ${u} is outside 0..${nUsers - 1}`);
        userRows.set(model.userFactors.subarray(u * factors, (u + 1) * factors), b * k);
      }
      kernel.scoreUsers(usersAt, Math.ceil(count / 4) * 4, panelsAt, nPanels, k, outAt, stride);
      for (let b = 0; b < count; b++) out.set(scores.subarray(b * stride, b * stride + nItems), (b0 + b) * nItems);
    }
  }

  return { nItems, scoreUsers };
}
