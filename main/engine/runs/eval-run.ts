import { join } from 'node:path';
import { EngineError } from '../contracts/errors.ts';
import type { RunMetrics } from '../contracts/runs.ts';
import { configSchema, type StageName } from '../config/schema.ts';
import { toRunMetrics } from '../eval/report.ts';
import type { ModelEvaluation } from '../eval/evaluate.ts';
import type { TaskContext } from '../jobs/context.ts';
import { stageByName } from '../recsys/stages.ts';
import type { Db } from '../store/db.ts';
import { loadInteractions } from '../store/datasets.ts';
import { readManifest, resolveRunId, runDir } from './registry.ts';
import { evaluateStage, splitFor } from './train-run.ts';
import type { WorkspacePaths } from './workspace.ts';

/**
 * Recomputes the metrics of a finished run from its saved artifacts: the same dataset and split
 * as at training time, optionally other cut-offs. The run folder is left unchanged.
 */
export async function evaluateRun(args: { run: string; ks?: number[] }, env: { paths: WorkspacePaths; db: Db }, ctx: TaskContext): Promise<RunMetrics> {
  const runId = resolveRunId(env.paths, args.run);
  const manifest = readManifest(env.paths, runId);
  if (manifest.status !== 'succeeded') throw new EngineError('conflict', `run ${runId} is ${manifest.status}: only finished runs can be evaluated`);
  if (!manifest.dataset) throw new EngineError('invalid-input', `run ${runId} has no interaction data to evaluate on`);
  const config = configSchema.parse({ ...(manifest.resolvedParams as Record<string, unknown>), threads: 0, ...(args.ks ? { eval: { ks: args.ks } } : {}) });
  if (manifest.dataset.interactions === 0) throw new EngineError('invalid-input', `run ${runId} was trained on a catalogue alone: there are no interactions to evaluate with`);
  const table = loadInteractions(env.db, manifest.dataset.id);
  const dir = runDir(env.paths, runId);
  const input = { split: splitFor(table, config), userIds: table.userIds, itemIds: table.itemIds, catalog: null, config, threads: 1, runDir: dir };
  const evaluations: Record<string, ModelEvaluation> = {};
  for (const record of manifest.stages) {
    const stage = stageByName(record.name as StageName);
    evaluations[stage.name] = await evaluateStage(stage, join(dir, stage.name), input, ctx);
  }
  return toRunMetrics(evaluations);
}
