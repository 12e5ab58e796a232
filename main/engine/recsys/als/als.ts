import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../common/contracts/errors.ts';
import { loadFloat32, saveNpy } from '../../common/arrays.ts';
import { CONFIG_DEFAULTS, type TrainyardConfig } from '../../config/schema.ts';

/** Implicit-feedback ALS: training, persistence, scoring, similar items and explanations. */

/** als.* of trainyard.yaml (config/schema.ts), the run's seed and the thread count. */
export type AlsParams = TrainyardConfig['als'] & {
  seed: number;
  /** worker threads; 0 uses the machine's cores (up to 8). Results are reproducible for a given seed and thread count. */
  threads: number;
};

/** The config's ALS defaults (config/schema.ts holds each once), with its seed and threads 0 = one per core. */
export const ALS_DEFAULTS: AlsParams = { ...CONFIG_DEFAULTS.als, seed: CONFIG_DEFAULTS.seed, threads: 0 };

export interface AlsModel {
  nUsers: number;
  nItems: number;
  factors: number;
  /** nUsers x factors, row-major */
  userFactors: Float32Array;
  /** nItems x factors, row-major */
  itemFactors: Float32Array;
}

export { confidenceMinusOne } from './als-layout.ts';
export { trainAls, validateAlsParams } from './als-train.ts';
export { createAlsScorer, type AlsScorer } from './als-score.ts';
export { explainAls, similarItems } from './als-explain.ts';

const USER_FILE = 'user_factors.npy';
const ITEM_FILE = 'item_factors.npy';

export function saveAls(dir: string, model: AlsModel): void {
  mkdirSync(dir, { recursive: true });
  saveNpy(join(dir, USER_FILE), model.userFactors, [model.nUsers, model.factors]);
  saveNpy(join(dir, ITEM_FILE), model.itemFactors, [model.nItems, model.factors]);
}

function loadMatrix(path: string): { data: Float32Array; rows: number; cols: number } {
  let a: { data: Float32Array; shape: number[] };
  try {
    a = loadFloat32(path);
  } catch (err) {
    throw new EngineError('invalid-input', `${path}: cannot read ALS factors (${(err as Error).message}); retrain the ALS stage`, { file: path });
  }
  if (a.shape.length !== 2)
    throw new EngineError('invalid-input', `${path}: expected a 2-D factor matrix, found shape (${a.shape.join(', ')}); retrain the ALS stage`, { file: path });
  return { data: a.data, rows: a.shape[0]!, cols: a.shape[1]! };
}

export function loadAls(dir: string): AlsModel {
  const users = loadMatrix(join(dir, USER_FILE));
  const items = loadMatrix(join(dir, ITEM_FILE));
  if (users.cols !== items.cols) {
    throw new EngineError('invalid-input', `${dir}: user factors have ${users.cols} columns but item factors ${items.cols}; retrain the ALS stage`, {
      file: dir,
    });
  }
  return { nUsers: users.rows, nItems: items.rows, factors: users.cols, userFactors: users.data, itemFactors: items.data };
}
