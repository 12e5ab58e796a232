import type { Command } from 'commander';
import type { WithEngine } from '../index.ts';
import { printJson, type GlobalOptions } from '../output.ts';
import { resolve } from 'node:path';
import type { OutsideListReport, RunSummary } from '../../common/contracts/runs.ts';
import { listRuns } from '../../engine/runs/registry.ts';
import { workspacePaths } from '../../engine/runs/workspace.ts';
import { metricHelpText } from '../../engine/eval/metric-definitions.ts';
import { parseKs } from './parse.ts';
import { formatMetricsTable, formatSplitSummary } from './train.ts';

/** What became of the rows of an outside recommendations file, one count per line. */
export function formatOutsideReport(model: string, r: OutsideListReport): string {
  const examples = (list: string[]): string => (list.length ? ` (e.g. ${list.join(', ')})` : '');
  return (
    [
      `${model}: ${r.rows} rows from ${r.file} for ${r.users} users, ordered by ${r.order}; lists scored on their first ${r.k} usable items`,
      `  unknown users:            ${r.unknownUsers.users} (${r.unknownUsers.rows} rows)${examples(r.unknownUsers.examples)}`,
      `  unknown items:            ${r.unknownItems.rows} rows${examples(r.unknownItems.examples)}`,
      `  users without test items: ${r.notTestUsers.users} (${r.notTestUsers.rows} rows, not evaluated)`,
      `  duplicate items:          ${r.duplicates} rows`,
      `  seen (training) items:    ${r.seenItems} rows, removed by the seen filter`,
      `  items past the first ${r.k}:  ${r.beyondK} rows`,
      `  test users without list:  ${r.missingUsers} (scored as lists with no hit)`,
      `  lists shorter than ${r.k}:    ${r.shortLists} users`,
    ].join('\n') + '\n'
  );
}

function printRunList(list: RunSummary[], g: GlobalOptions): void {
  if (g.json) return printJson(list);
  if (!list.length) return void process.stdout.write('no runs yet: trainyard train\n');
  for (const r of list) {
    const ndcg = Object.entries(r.metrics)
      .map(([m, v]) => `${m} ${v['ndcg@10']?.toFixed(4) ?? '-'}`)
      .join(', ');
    const err = r.error ? `  (${r.error.message.split('\n')[0]})` : '';
    const data = r.dataset ? `  ${r.dataset.users} users × ${r.dataset.items} items` : '';
    const note = r.note ? `  “${r.note}”` : '';
    process.stdout.write(
      `${r.isLatest ? '*' : ' '} ${r.runId}  ${r.status.padEnd(11)}  ${r.stages.join(',')}${data}${ndcg ? `  NDCG@10: ${ndcg}` : ''}${note}${err}\n`,
    );
  }
}

export function registerRunsCommands(program: Command, withEngine: WithEngine): void {
  const runs = program.command('runs').description('list, show, promote and delete runs');

  runs
    .command('list')
    .description('all runs, newest first, with their status, data, NDCG@10 per model and note (* = LATEST)')
    .action(() =>
      withEngine(async (engine, g) => printRunList(await engine.request('runs.list', undefined), g), {
        // the run folders do not depend on the database: list them even when it is damaged
        withoutDatabase: (g) => printRunList(listRuns(workspacePaths(g.workspace)), g),
      }),
    );

  runs
    .command('show')
    .description('the settings, split, tuning and metrics of one run')
    .argument('<run>', 'run id or latest')
    .action((run: string) =>
      withEngine(async (engine, g) => {
        const detail = await engine.request('runs.show', { run });
        if (g.json) return printJson(detail);
        const m = detail.manifest;
        process.stdout.write(`${m.runId}  ${m.status}${detail.isLatest ? '  (LATEST)' : ''}\n`);
        for (const s of m.stages)
          process.stdout.write(
            `  ${s.name.padEnd(18)} ${s.status.padEnd(9)} ${s.seconds !== undefined ? s.seconds.toFixed(2) + 's' : ''}${s.cachedFrom ? ` (from ${s.cachedFrom})` : ''}\n`,
          );
        if (m.error) process.stdout.write(`error: ${m.error.message}\n`);
        if (m.split) process.stdout.write(formatSplitSummary(m.split));
        if (detail.metrics) process.stdout.write(formatMetricsTable(detail.metrics));
      }),
    );

  runs
    .command('promote')
    .description('make a succeeded run LATEST (rollback = promote an older one)')
    .argument('<run>')
    .action((run: string) =>
      withEngine(async (engine, g) => {
        const summary = await engine.request('runs.promote', { run });
        if (g.json) printJson(summary);
        else process.stdout.write(`LATEST → ${summary.runId}\n`);
      }),
    );

  runs
    .command('note')
    .description('name or annotate a finished run ("" clears the note)')
    .argument('<run>', 'run id or latest')
    .argument('<note>')
    .action((run: string, note: string) =>
      withEngine(async (engine, g) => {
        const summary = await engine.request('runs.note', { run, note });
        if (g.json) printJson(summary);
        else process.stdout.write(summary.note ? `${summary.runId}: “${summary.note}”\n` : `${summary.runId}: note cleared\n`);
      }),
    );

  runs
    .command('delete')
    .description('delete a run and its files (not LATEST: promote another run first)')
    .argument('<run>', 'run id')
    .action((run: string) =>
      withEngine(async (engine, g) => {
        const result = await engine.request('runs.delete', { run });
        if (g.json) printJson(result);
        else process.stdout.write(`deleted ${result.deleted}\n`);
      }),
    );

  program
    .command('eval')
    .description("recompute the metrics of a finished run, or score another tool's top-K lists on its split")
    .option('--run <run>', 'run id or latest', 'latest')
    .option('--k <list>', 'cutoffs, e.g. 10,20')
    .option(
      '--recommendations <file>',
      "CSV/TSV, JSON lines or Parquet with columns user, item and rank (1 = best) or score, in the dataset's ids: added to the run as model external:NAME",
    )
    .option('--name <name>', 'NAME of the external model (default: the file name)')
    .addHelpText('after', '\n' + metricHelpText())
    .action((o: { run: string; k?: string; recommendations?: string; name?: string }) =>
      withEngine(async (engine, g) => {
        const ks = o.k ? parseKs(o.k) : undefined;
        const metrics = await engine.request('eval.run', {
          run: o.run,
          ...(ks ? { ks } : {}),
          ...(o.recommendations ? { recommendations: resolve(o.recommendations) } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
        });
        if (g.json) return printJson(metrics);
        if (o.recommendations) for (const [model, report] of Object.entries(metrics.external ?? {})) process.stdout.write(formatOutsideReport(model, report));
        process.stdout.write(formatMetricsTable(metrics, ks));
      }),
    );
}
