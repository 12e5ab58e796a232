import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { EvalArgs } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { RunMetrics } from '../../common/contracts/runs.ts';
import { evaluate } from '../eval/evaluate.ts';
import { EXTERNAL_PREFIX, externalFolder, outsideListScorer, readOutsideLists } from '../eval/outside-lists.ts';
import { writePerUserCsv } from '../eval/report.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { Db } from '../store/db.ts';
import { readMetrics, writeJson } from './registry.ts';
import { loadRunSplit } from './run-split.ts';
import type { WorkspacePaths } from './workspace.ts';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

function outsideName(args: { recommendations: string; name?: string }): string {
  if (args.name !== undefined) {
    if (!NAME.test(args.name)) {
      throw new EngineError(
        'invalid-input',
        `--name "${args.name}" is not usable: use letters, digits, - and _ (at most 64, starting with a letter or digit)`,
        {
          field: 'name',
          value: args.name,
        },
      );
    }
    return args.name;
  }
  const stem = basename(args.recommendations, extname(args.recommendations))
    .replace(/[^a-z0-9_-]+/gi, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 64);
  return stem || 'outside';
}

/**
 * Scores another tool's top-K lists on a run's split with the run's seen filter, cut-offs and
 * metrics, and adds them to the run's metrics.json as model `external:<name>` with a report of
 * what became of every row (replacing an earlier result of the same name).
 */
export async function scoreOutsideLists(
  args: EvalArgs & { recommendations: string },
  env: { paths: WorkspacePaths; db: Db },
  ctx: TaskContext,
): Promise<RunMetrics> {
  if (args.ks) {
    throw new EngineError(
      'invalid-input',
      "cut-offs (--k) do not combine with --recommendations: outside lists are scored at the run's own cut-offs, to compare with its models",
      {
        field: 'ks',
      },
    );
  }
  const name = outsideName(args);
  const model = `${EXTERNAL_PREFIX}${name}`;
  const { runId, dir, table, split } = await loadRunSplit(args.run, env);
  const before = readMetrics(env.paths, runId);
  if (!before)
    throw new EngineError('conflict', `run ${runId} has no metrics.json to add outside recommendations to`, {
      run: runId,
      hint: 'trainyard eval --run ' + runId,
    });
  const k = before.ks[before.ks.length - 1]!;
  const { lists, report } = await readOutsideLists(args.recommendations, { split, userIds: table.userIds, itemIds: table.itemIds, k }, ctx);
  const evaluation = evaluate(outsideListScorer(split, lists), split, { ks: before.ks, stage: `evaluate ${model}` }, ctx);
  if (evaluation.users.evaluated !== before.users.evaluated) {
    throw new EngineError(
      'conflict',
      `run ${runId}: ${evaluation.users.evaluated} users have test items now, ${before.users.evaluated} when its models were evaluated`,
      { run: runId },
    );
  }
  const outDir = externalFolder(dir, name);
  mkdirSync(outDir, { recursive: true });
  writePerUserCsv(join(outDir, 'per_user.csv'), evaluation, split.test, table.userIds, table.itemIds);
  // read again just before writing, so a model added meanwhile is kept
  const metrics = readMetrics(env.paths, runId) ?? before;
  metrics.models[model] = evaluation.metrics;
  metrics.intervals[model] = evaluation.intervals;
  metrics.segments[model] = evaluation.segments;
  metrics.external = { ...metrics.external, [model]: report };
  writeJson(join(dir, 'metrics.json'), metrics);
  ctx.log('info', `${model}: ${report.rows} rows scored on run ${runId}`);
  return metrics;
}
