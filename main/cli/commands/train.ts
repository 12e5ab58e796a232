import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainResult } from '../../engine/contracts/api.ts';
import type { RunManifest, RunMetrics } from '../../engine/contracts/runs.ts';
import type { WithEngine } from '../index.ts';
import { followJob, printJson } from '../output.ts';
import { collect } from './parse.ts';

const TABLE_METRICS = ['recall', 'ndcg', 'precision', 'map', 'mrr', 'hitrate', 'coverage'];

/** A plain-text table: one row per model, headline metrics at K=10 (or the first K) with their 95% intervals. */
export function formatMetricsTable(metrics: RunMetrics): string {
  const k = metrics.ks.includes(10) ? 10 : metrics.ks[0];
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
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n' +
    `${metrics.users.evaluated} users evaluated, ${metrics.users.skipped} with too little history kept in training only\n`;
}

/** One line on the split: method, tie rule and how many users' boundary fell inside a tie. */
export function formatSplitSummary(split: NonNullable<RunManifest['split']>): string {
  const rule = split.ties === undefined ? 'ties in log order' : split.ties === 'random' ? `ties broken at random (seed ${split.seed})` : 'tied events held out together';
  const tied = split.tiedBoundaryUsers === undefined ? '' : `; ${split.tiedBoundaryUsers} users' boundary fell inside a tie`;
  return `split ${split.method}, ${rule}${tied}: ${split.testUsers} test users, ${split.trainEvents} training events\n`;
}

export function registerTrainCommand(program: Command, withEngine: WithEngine): void {
  program
    .command('train')
    .description('train the configured stages, evaluate them and publish the run (LATEST moves when the run serves at least what LATEST serves; config promote)')
    .option('--config <file>', 'pipeline config (default: ./trainyard.yaml when it exists)')
    .option('--interactions <file>', 'interaction log (overrides data.interactions)')
    .option('--items <file>', 'item catalogue (overrides data.items)')
    .option('--stages <list>', 'comma-separated stages, e.g. popularity,als')
    .option('--split <method>', 'last1 or lastpct:0.2')
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .action((o: { config?: string; interactions?: string; items?: string; stages?: string; split?: string; set: string[] }) =>
      withEngine(async (engine, g) => {
        const inline: Record<string, unknown> = {};
        const data: Record<string, string> = {};
        if (o.interactions) data.interactions = resolve(o.interactions);
        if (o.items) data.items = resolve(o.items);
        if (Object.keys(data).length) inline.data = data;
        if (o.stages) inline.stages = o.stages.split(',').map((s) => s.trim());
        if (o.split) inline.split = { method: o.split };
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
        if (detail.metrics) process.stdout.write(formatMetricsTable(detail.metrics));
        const timings = Object.entries(result.timings).map(([s, t]) => `${s} ${t.toFixed(2)}s`).join(' · ');
        process.stdout.write(`training time: ${timings}\n`);
        process.stdout.write(`${result.promoted ? `LATEST is now ${result.runId}` : 'LATEST unchanged'}: ${result.promotion}\n`);
      }),
    );
}
