import { join } from 'node:path';
import type { EvalArgs } from '../../common/contracts/api.ts';
import type { RunMetrics } from '../../common/contracts/runs.ts';
import type { StageName } from '../config/schema.ts';
import { toRunMetrics } from '../eval/report.ts';
import type { ModelEvaluation } from '../eval/evaluate.ts';
import type { TaskContext } from '../common/task-context.ts';
import { stageByName } from '../recsys/stages.ts';
import type { Db } from '../store/db.ts';
import { scoreOutsideLists } from './outside-eval.ts';
import { loadRunSplit } from './run-split.ts';
import { evaluateStage } from './train-run.ts';
import type { WorkspacePaths } from './workspace.ts';

/**
 * Recomputes the metrics of a finished run from its saved artifacts: the same dataset and split
 * as at training time, optionally other cut-offs. The run folder is left unchanged. With
 * `recommendations`, scores another tool's lists on the split instead (outside-eval.ts).
 */
export async function evaluateRun(args: EvalArgs, env: { paths: WorkspacePaths; db: Db }, ctx: TaskContext): Promise<RunMetrics> {
  if (args.recommendations !== undefined) return scoreOutsideLists({ ...args, recommendations: args.recommendations }, env, ctx);
  const { manifest, config, table, split, dir } = await loadRunSplit(args.run, env, args.ks);
  const input = { split, userIds: table.userIds, itemIds: table.itemIds, catalog: null, config, threads: 1, runDir: dir };
  const evaluations: Record<string, ModelEvaluation> = {};
  for (const record of manifest.stages) {
    const stage = stageByName(record.name as StageName);
    evaluations[stage.name] = await evaluateStage(stage, join(dir, stage.name), input, ctx);
  }
  return toRunMetrics(evaluations);
}
