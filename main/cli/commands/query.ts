import type { Command } from 'commander';
import type { RecommendMode } from '../../common/contracts/api.ts';
import type { WithEngine } from '../index.ts';
import { printJson } from '../output.ts';

const MODES: RecommendMode[] = ['auto', 'baseline', 'cf', 'itemknn', 'ease', 'semantic', 'hybrid'];

export function registerQueryCommands(program: Command, withEngine: WithEngine): void {
  program
    .command('recommend')
    .description('top-k recommendations for a user, with explanations')
    .requiredOption('--user <id>', 'user id')
    .option('--run <run>', 'run id or latest', 'latest')
    .option('--k <n>', 'how many', Number, 10)
    .option('--mode <mode>', MODES.join('|'), 'auto')
    .option('--exclude <items>', 'comma-separated item ids to leave out')
    .action((o: { user: string; run: string; k: number; mode: string; exclude?: string }) =>
      withEngine(async (engine, g) => {
        const res = await engine.request('recommend', {
          run: o.run,
          user: o.user,
          k: o.k,
          mode: o.mode as RecommendMode,
          ...(o.exclude ? { exclude: o.exclude.split(',') } : {}),
        });
        if (g.json) return printJson(res);
        process.stdout.write(`user ${res.user}${res.known ? '' : ' (unknown: cold-start answer)'} · mode ${res.mode} → ${res.usedMode}\n`);
        res.items.forEach((it, i) => {
          process.stdout.write(`${String(i + 1).padStart(3)}. ${it.item}  ${it.score.toFixed(4)}  ${it.title ?? ''}\n`);
          if (it.because?.length) process.stdout.write(`       because: ${it.because.map((b) => b.title ?? b.item).join('; ')}\n`);
        });
      }),
    );

  program
    .command('similar')
    .description('items similar to an item, by co-interaction (ALS or ItemKNN) or by content (semantic index)')
    .requiredOption('--item <id>', 'item id')
    .option('--run <run>', 'run id or latest', 'latest')
    .option('--k <n>', 'how many', Number, 10)
    .option('--by <kind>', 'cf (item factors) or content (semantic index)')
    .action((o: { item: string; run: string; k: number; by?: 'cf' | 'content' }) =>
      withEngine(async (engine, g) => {
        const runId = (await engine.request('runs.show', { run: o.run })).manifest.runId;
        const items = await engine.request('similar', { run: runId, item: o.item, k: o.k, ...(o.by ? { by: o.by } : {}) });
        if (g.json) return printJson({ run: runId, results: items });
        process.stdout.write(`similar to ${o.item} · run ${runId}\n`);
        items.forEach((it, i) => process.stdout.write(`${String(i + 1).padStart(3)}. ${it.item}  ${it.score.toFixed(4)}  ${it.title ?? ''}\n`));
      }),
    );

  program
    .command('search')
    .description('semantic search over the catalogue of a run')
    .argument('<query>')
    .option('--run <run>', 'run id or latest', 'latest')
    .option('--k <n>', 'how many', Number, 10)
    .option('--category <c>', 'only items of this category')
    .action((query: string, o: { run: string; k: number; category?: string }) =>
      withEngine(async (engine, g) => {
        const found = await engine.request('search', { run: o.run, query, k: o.k, ...(o.category ? { filters: { category: o.category } } : {}) });
        if (g.json) return printJson(found);
        const { unknown } = found.query;
        if (found.results.length === 0 && found.query.used.length === 0) process.stdout.write(`${noMatch(unknown)}\n`);
        else if (unknown.length > 0) process.stderr.write(`note: words unknown to the model, ignored: ${unknown.join(', ')}\n`);
        found.results.forEach((r, i) => process.stdout.write(`${String(i + 1).padStart(3)}. ${r.item}  ${r.score.toFixed(4)}  ${r.metadata.title ?? ''}\n`));
      }),
    );
}

function noMatch(unknown: readonly string[]): string {
  return unknown.length > 0 ? `no match: the model knows none of the words ${unknown.join(', ')}` : 'no match: the query has no words the model can use';
}
