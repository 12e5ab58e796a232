import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainResult } from '../../common/contracts/api.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import type { RunManifest, RunMetrics, RunTuning } from '../../common/contracts/runs.ts';
import type { WithEngine } from '../index.ts';
import { followJob, printJson } from '../output.ts';
import { HYBRID_CF } from '../../engine/config/schema.ts';
import { metricHelpText } from '../../engine/eval/metric-definitions.ts';
import { collect } from './parse.ts';
import { addPrepareOptions, prepareSpecFromOptions, type PrepareOptions } from './prepare-options.ts';

const TABLE_METRICS = ['recall', 'ndcg', 'precision', 'map', 'mrr', 'hitrate', 'coverage'];

/**
 * Plain-text tables of the headline metrics with their 95% intervals, one row per model: one table
 * per K asked for (default K=10, or the first K the run has).
 */
export function formatMetricsTable(metrics: RunMetrics, ks?: readonly number[]): string {
  const shown = ks?.length ? ks : [metrics.ks.includes(10) ? 10 : metrics.ks[0]!];
  const tables = shown.map((k) => (shown.length > 1 ? `K = ${k}\n` : '') + metricsTableAt(metrics, k));
  return tables.join('\n') + `${metrics.users.evaluated} users evaluated, ${metrics.users.skipped} with too little history kept in training only\n`;
}

function metricsTableAt(metrics: RunMetrics, k: number): string {
  const cols = TABLE_METRICS.map((m) => `${m}@${k}`).filter((m) => Object.values(metrics.models).some((mm) => m in mm));
  const header = ['model', ...cols];
  const rows = Object.entries(metrics.models).map(([model, values]) => [
    model,
    ...cols.map((c) => {
      const v = values[c];
      const ci = metrics.intervals[model]?.[c];
      return v === undefined ? '' : ci ? `${v.toFixed(4)} ±${((ci[1] - ci[0]) / 2).toFixed(4)}` : v.toFixed(4);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** One line on the split: method, tie rule and how many users' boundary fell inside a tie. */
export function formatSplitSummary(split: NonNullable<RunManifest['split']>): string {
  const rule =
    split.ties === undefined ? 'ties in log order' : split.ties === 'random' ? `ties broken at random (seed ${split.seed})` : 'tied events held out together';
  const tied = split.tiedBoundaryUsers === undefined ? '' : `; ${split.tiedBoundaryUsers} users' boundary fell inside a tie`;
  return `split ${split.method}, ${rule}${tied}: ${split.testUsers} test users, ${split.trainEvents} training events\n`;
}

interface TrainOptions extends PrepareOptions {
  config?: string;
  interactions?: string;
  items?: string;
  stages?: string;
  split?: string;
  set: string[];
  tune?: boolean;
  trials?: number;
  time?: number;
}

/** "15m", "90s", "1h" or plain seconds → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  if (!m) throw new EngineError('invalid-input', `--time ${text}: expected a duration such as 90s, 15m or 1h`, { field: 'time' });
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new EngineError('invalid-input', `--trials ${text}: expected a positive whole number`, { field: 'trials' });
  return n;
}

function trainAction(withEngine: WithEngine, tuneStages: 'auto' | 'from-stages' | null) {
  return (o: TrainOptions) =>
    withEngine(async (engine, g) => {
      const inline: Record<string, unknown> = {};
      const data: Record<string, unknown> = {};
      if (o.interactions) data.interactions = resolve(o.interactions);
      if (o.items) data.items = resolve(o.items);
      const prepare = prepareSpecFromOptions(o);
      if (prepare) data.prepare = prepare;
      if (Object.keys(data).length) inline.data = data;
      const stages = o.stages?.split(',').map((s) => s.trim());
      if (stages) inline.stages = stages;
      if (o.split) inline.split = { method: o.split };
      const tune = tuneStages === 'from-stages' && stages ? stages : tuneStages === null && !o.tune && !o.trials && !o.time ? null : 'auto';
      if (tune) inline.tune = { stages: tune, ...(o.trials ? { trials: o.trials } : {}), ...(o.time ? { seconds: o.time } : {}) };
      const configPath = o.config ?? (existsSync('trainyard.yaml') ? 'trainyard.yaml' : undefined);
      const { jobId } = await engine.request('train.start', {
        ...(configPath ? { configPath: resolve(configPath) } : {}),
        config: inline,
        set: o.set,
      });
      const result = (await followJob(engine, jobId, g.json)) as TrainResult;
      if (g.json) {
        printJson(result);
        return;
      }
      const detail = await engine.request('runs.show', { run: result.runId });
      process.stdout.write(`run ${result.runId} → ${result.runDir}\n`);
      if (detail.manifest.split) process.stdout.write(formatSplitSummary(detail.manifest.split));
      if (detail.manifest.tuning) process.stdout.write(formatTuning(detail.manifest.tuning));
      if (detail.metrics) process.stdout.write(formatMetricsTable(detail.metrics));
      const timings = Object.entries(result.timings)
        .map(([s, t]) => `${s} ${t.toFixed(2)}s`)
        .join(' · ');
      process.stdout.write(`training time: ${timings}\n`);
      process.stdout.write(`${result.promoted ? `LATEST is now ${result.runId}` : 'LATEST unchanged'}: ${result.promotion}\n`);
    });
}

/** The tuned params per stage, with their validation scores. */
export function formatTuning(tuning: RunTuning): string {
  const lines = Object.entries(tuning.best).map(
    ([stage, b]) =>
      `tuned ${stage}: ${Object.entries(b.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} (trial ${b.trial} of ${tuning.trialsPerStage}, validation NDCG@10 ${b.ndcg10.toFixed(4)}, Recall@10 ${b.recall10.toFixed(4)})`,
  );
  const on = `on ${tuning.validation.users} validation users (each one's last training event), every trial in the manifest's tuning.trials`;
  return [...lines, on, ...(tuning.stoppedEarly ? [tuning.stoppedEarly] : [])].join('\n') + '\n';
}

function dataOptions(command: Command): Command {
  return addPrepareOptions(
    command
      .option('--config <file>', 'pipeline config (default: ./trainyard.yaml when it exists)')
      .option('--interactions <file>', 'interaction log (overrides data.interactions)')
      .option('--items <file>', 'item catalogue (overrides data.items)'),
  )
    .option('--split <method>', 'last1 or lastpct:0.2')
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .addHelpText('after', '\n' + metricHelpText())
    .option('--trials <n>', 'tuning trials per stage (default 20)', positiveInteger)
    .option('--time <duration>', 'tuning time limit, e.g. 15m', parseDuration);
}

export function registerTrainCommand(program: Command, withEngine: WithEngine): void {
  dataOptions(
    program
      .command('train')
      .description(
        'train the configured stages, evaluate them and publish the run (LATEST moves when the run serves at least what LATEST serves; config promote)',
      )
      .option(
        '--stages <list>',
        `comma-separated stages, e.g. popularity,als; hybrid blends semantic with the CF model hybrid.cf names (--set hybrid.cf=${HYBRID_CF.join('|')}, default als)`,
      )
      .option('--tune', 'tune the params of every tunable stage on a validation split of the training part first'),
  ).action(trainAction(withEngine, null));
  dataOptions(
    program
      .command('tune')
      .description(
        'tune stage params on a validation split carved out of the training part (the test part is never read), then train the best settings as a normal run',
      )
      .option('--stages <list>', 'stages to tune and train, e.g. als (default: every tunable stage of the config)'),
  ).action(trainAction(withEngine, 'from-stages'));
}
