import { EngineError } from '../../common/contracts/errors.ts';
import type { RunManifest } from '../../common/contracts/runs.ts';
import { configSchema, type TrainyardConfig } from '../config/schema.ts';
import type { InteractionTable } from '../data/types.ts';
import type { Split } from '../eval/split.ts';
import type { Db } from '../store/db.ts';
import { loadInteractions } from '../store/datasets.ts';
import { readManifest, resolveRunId, runDir } from './registry.ts';
import { runDatasetId } from './run-dataset.ts';
import { splitFor } from './train-run.ts';
import type { WorkspacePaths } from './workspace.ts';

export interface RunSplit {
  runId: string;
  dir: string;
  manifest: RunManifest;
  config: TrainyardConfig;
  table: InteractionTable;
  split: Split;
}

/**
 * A finished run's split, rebuilt from its dataset and settings (optionally at other cut-offs)
 * and checked against the summary the run recorded at training time, so an evaluation never
 * scores a model on test events other than those it was held out from.
 */
export async function loadRunSplit(run: string, env: { paths: WorkspacePaths; db: Db }, ks?: number[]): Promise<RunSplit> {
  const runId = resolveRunId(env.paths, run);
  const manifest = readManifest(env.paths, runId);
  if (manifest.status !== 'succeeded') throw new EngineError('conflict', `run ${runId} is ${manifest.status}: only finished runs can be evaluated`);
  if (!manifest.dataset) throw new EngineError('invalid-input', `run ${runId} has no interaction data to evaluate on`);
  if (manifest.dataset.interactions === 0 || !manifest.split)
    throw new EngineError('invalid-input', `run ${runId} was trained on a catalogue alone: there are no interactions to evaluate with`);
  if (manifest.split.ties === undefined) {
    throw new EngineError(
      'conflict',
      `run ${runId} was split before tie rules existed (same-second events went by stored row order), so its test events cannot be rebuilt exactly`,
      {
        run: runId,
        field: 'run',
        hint: 'train the run again (trainyard train) to evaluate it',
      },
    );
  }
  const config = configSchema.parse({ ...(manifest.resolvedParams as Record<string, unknown>), threads: 0, ...(ks ? { eval: { ks } } : {}) });
  const table = await loadInteractions(env.db, runDatasetId(env.db, runId, manifest.dataset));
  const split = splitFor(table, config);
  const recorded = manifest.split;
  const rebuilt = { trainEvents: split.train.user.length, testUsers: split.test.users.length, tiedBoundaryUsers: split.tiedBoundaryUsers };
  const differs = (Object.keys(rebuilt) as (keyof typeof rebuilt)[]).filter((key) => recorded[key] !== rebuilt[key]);
  if (differs.length) {
    throw new EngineError(
      'conflict',
      `the split rebuilt for run ${runId} differs from the one it was trained on (${differs.map((k) => `${k} ${recorded[k]} → ${rebuilt[k]}`).join(', ')})`,
      {
        run: runId,
        field: 'run',
        hint: 'train the run again on the current data',
      },
    );
  }
  return { runId, dir: runDir(env.paths, runId), manifest, config, table, split };
}
