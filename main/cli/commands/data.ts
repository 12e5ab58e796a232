import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { DatasetProfile, QuerySource } from '../../common/contracts/api.ts';
import type { PrepareStep } from '../../common/contracts/prepare.ts';
import type { GeneratedSample } from '../../engine/data/generate.ts';
import type { WithEngine } from '../index.ts';
import { followJob, printJson } from '../output.ts';
import { parseMap } from './parse.ts';
import { addPrepareOptions, prepareSpecFromOptions, type PrepareOptions } from './prepare-options.ts';

function printProfile(p: DatasetProfile): void {
  const lines = [
    `dataset      ${p.datasetId} (${p.sources.join(', ')})`,
    `users        ${p.users}`,
    `items        ${p.items}`,
    `interactions ${p.interactions} (density ${p.density.toExponential(2)})`,
    `repeats      ${p.duplicatesDropped} repeat (user, item) events collapsed into the latest`,
    `unknown item ${p.unknownItems} events dropped`,
    `per user     min ${p.perUser.min} · median ${p.perUser.median} · max ${p.perUser.max}`,
    `per item     min ${p.perItem.min} · median ${p.perItem.median} · max ${p.perItem.max}`,
  ];
  if (p.timeRange) lines.push(`time         ${p.timeRange.min} … ${p.timeRange.max}`);
  if (p.catalog) lines.push(`catalog      ${p.catalog.items} items; columns ${p.catalog.columns.join(', ')}`);
  if (p.catalog?.categories?.length)
    lines.push(`categories   ${p.catalog.categoryCount}: ${p.catalog.categories.map((c) => `${c.name} ${c.items}`).join(', ')}`);
  if (p.preparation) lines.push(formatPreparation(p.preparation));
  process.stdout.write(lines.join('\n') + '\n');
}

/** The preparation steps as a table: events, users and items left after each. */
export function formatPreparation(steps: PrepareStep[]): string {
  const rows = [['prepared', 'events', 'users', 'items'], ...steps.map((s) => [s.label, String(s.events), String(s.users), String(s.items)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

interface SourceOptions {
  source?: string;
  query?: string;
  itemsQuery?: string;
}

function sourceFromOptions(o: SourceOptions): { source?: QuerySource } {
  if (!o.source) {
    if (o.query || o.itemsQuery) throw new Error('--query and --items-query read from a database: give it with --source postgres://user@host:port/db');
    return {};
  }
  return { source: { url: o.source, ...(o.query ? { query: o.query } : {}), ...(o.itemsQuery ? { itemsQuery: o.itemsQuery } : {}) } };
}

export function registerDataCommands(program: Command, withEngine: WithEngine): void {
  const data = program.command('data').description('generate, import and profile data');

  data
    .command('generate')
    .description('write a realistic synthetic interaction log and item catalogue')
    .requiredOption('--out <dir>', 'output folder')
    .option('--users <n>', 'users', Number)
    .option('--items <n>', 'items', Number)
    .option('--interactions <n>', 'interactions', Number)
    .option('--seed <n>', 'random seed', Number)
    .action((o: { out: string; users?: number; items?: number; interactions?: number; seed?: number }) =>
      withEngine(async (engine, g) => {
        const { jobId } = await engine.request('data.generate', { ...o, out: resolve(o.out) });
        const result = (await followJob(engine, jobId, g.json)) as GeneratedSample;
        if (g.json) printJson(result);
        else
          process.stdout.write(
            `wrote ${result.events} events of ${result.users} users to ${result.interactions}\nwrote ${result.itemCount} items to ${result.items}\n`,
          );
      }),
    );

  addPrepareOptions(
    data
      .command('import')
      .description(
        'import an interaction log (CSV/TSV/JSONL/Parquet/MovieLens, or PostgreSQL queries with --source) and/or an item catalogue, prepared in SQL by the options below',
      )
      .argument('[file]', 'interaction file')
      .option('--items <file>', 'item catalogue file')
      .option('--map <pairs>', 'column mapping, e.g. user=customer,item=sku,rating=stars,ts=time')
      .option(
        '--source <url>',
        'PostgreSQL to read with --query/--items-query: postgres://user@host:port/db; the password comes from TRAINYARD_PG_PASSWORD or PGPASSWORD (environment or .env), ~/.pgpass, or the URL',
      )
      .option('--query <sql>', 'select whose rows are the interactions (run read-only on --source)')
      .option('--items-query <sql>', 'select whose rows are the item catalogue (run read-only on --source)')
      .option('--preview', 'print the events, users and items left after each preparation step, and import nothing'),
  ).action((file: string | undefined, o: { items?: string; map?: string; preview?: boolean } & SourceOptions & PrepareOptions) =>
    withEngine(async (engine, g) => {
      const prepare = prepareSpecFromOptions(o);
      const args = {
        ...(file ? { interactions: resolve(file) } : {}),
        ...(o.items ? { items: resolve(o.items) } : {}),
        ...(o.map ? { map: parseMap(o.map) } : {}),
        ...(prepare ? { prepare } : {}),
        ...sourceFromOptions(o),
      };
      if (o.preview) {
        const steps = await engine.request('data.previewPreparation', args);
        if (g.json) printJson(steps);
        else process.stdout.write(`${formatPreparation(steps)}\nnothing was imported (--preview)\n`);
        return;
      }
      const { jobId } = await engine.request('data.import', args);
      const profile = (await followJob(engine, jobId, g.json)) as DatasetProfile;
      if (g.json) printJson(profile);
      else printProfile(profile);
    }),
  );

  data
    .command('profile')
    .description('show the profile of the latest imported dataset')
    .option('--dataset <id>', 'dataset id')
    .action((o: { dataset?: string }) =>
      withEngine(async (engine, g) => {
        const profile = await engine.request('data.profile', o.dataset ? { datasetId: o.dataset } : {});
        if (!profile) throw new Error('no dataset imported yet: run `trainyard data import FILE`');
        if (g.json) printJson(profile);
        else printProfile(profile);
      }),
    );
}
