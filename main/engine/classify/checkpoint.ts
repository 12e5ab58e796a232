import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';
import { loadFloat32, saveNpy } from '../common/arrays.ts';
import type { AdamW, Param } from './optimizer.ts';

export interface EpochRecord {
  epoch: number;
  /** optimizer steps done at the end of this epoch */
  step: number;
  trainLoss: number;
  lr: number;
  seconds: number;
  /** validation metrics: loss, accuracy, macro_f1 */
  validation: Record<string, number>;
}

/** What a checkpoint needs besides the weights to continue exactly where it stopped. */
export interface LoopState {
  epoch: number;
  step: number;
  /** the selection metric at this epoch */
  score: number;
  bestScore: number;
  bestEpoch: number;
  sinceBest: number;
  history: EpochRecord[];
  /** hash of data and parameters: a checkpoint only resumes the run it came from */
  fingerprint: string;
}

export interface Checkpoint {
  dir: string;
  state: LoopState;
}

const PREFIX = 'epoch-';

function checkpointName(epoch: number): string {
  return `${PREFIX}${String(epoch).padStart(4, '0')}`;
}

/** Weights, Adam moments (.npy) and loop state; written to a temporary folder and renamed into place. */
export function saveCheckpoint(root: string, params: readonly Param[], opt: AdamW, state: LoopState): string {
  mkdirSync(root, { recursive: true });
  const dir = join(root, checkpointName(state.epoch));
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  params.forEach((p, k) => {
    saveNpy(join(tmp, `${p.name}.npy`), p.data, p.shape);
    saveNpy(join(tmp, `${p.name}.adam_m.npy`), opt.m[k]!, p.shape);
    saveNpy(join(tmp, `${p.name}.adam_v.npy`), opt.v[k]!, p.shape);
  });
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ ...state, adamSteps: opt.t }, null, 1));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

export function listCheckpoints(root: string): Checkpoint[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.startsWith(PREFIX) && !name.endsWith('.tmp') && existsSync(join(root, name, 'state.json')))
    .map((name) => ({ dir: join(root, name), state: JSON.parse(readFileSync(join(root, name, 'state.json'), 'utf8')) as LoopState }))
    .sort((a, b) => a.state.epoch - b.state.epoch);
}

/** Deletes all but the `keep` best checkpoints (ties: the earlier epoch ranks higher, as in early stopping). */
export function pruneCheckpoints(root: string, keep: number, higherIsBetter: boolean): Checkpoint[] {
  const ranked = listCheckpoints(root).sort((a, b) => {
    const d = higherIsBetter ? b.state.score - a.state.score : a.state.score - b.state.score;
    return d !== 0 ? d : a.state.epoch - b.state.epoch;
  });
  for (const c of ranked.slice(keep)) rmSync(c.dir, { recursive: true, force: true });
  return ranked.slice(0, keep);
}

/** Copies a checkpoint's weights (and, given an optimizer, its moments) into the live arrays. */
export function loadCheckpoint(dir: string, params: readonly Param[], opt?: AdamW): LoopState {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LoopState & { adamSteps: number };
  const copy = (file: string, into: Float32Array): void => {
    const a = loadFloat32(join(dir, file));
    if (a.data.length !== into.length) {
      throw new EngineError('invalid-input', `${join(dir, file)} holds ${a.data.length} values, the model expects ${into.length}`, {
        file: join(dir, file),
        hint: 'the checkpoint belongs to a different model or dataset; start without resume',
      });
    }
    into.set(a.data);
  };
  params.forEach((p, k) => {
    copy(`${p.name}.npy`, p.data);
    if (opt) {
      copy(`${p.name}.adam_m.npy`, opt.m[k]!);
      copy(`${p.name}.adam_v.npy`, opt.v[k]!);
    }
  });
  if (opt) opt.t = state.adamSteps;
  return state;
}
