import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ClassifyRunResult } from '../../engine/runs/classify-run.ts';
import type { WithEngine } from '../index.ts';
import { followJob, printJson } from '../output.ts';
import { collect } from './parse.ts';

export function registerClassifyCommands(program: Command, withEngine: WithEngine): void {
  const classify = program.command('classify').description('train and use text classifiers');

  classify
    .command('train')
    .requiredOption('--data <file>', 'labelled CSV/TSV/JSONL, or builtin:spam-assassin')
    .option('--text-col <name>', 'text column (detected when omitted)')
    .option('--label-col <name>', 'label column (detected when omitted)')
    .option('--model <kind>', 'fasttext or encoder', 'fasttext')
    .option('--set <key=value>', 'override a training parameter, e.g. train.epochs=5 or compareTo=RUN (repeatable)', collect, [])
    .option('--cv <folds>', 'also run stratified k-fold cross-validation', Number)
    .action((o: { data: string; textCol?: string; labelCol?: string; model: string; set: string[]; cv?: number }) =>
      withEngine(async (engine, g) => {
        if (o.model !== 'fasttext' && o.model !== 'encoder') throw new Error(`--model ${o.model}: expected fasttext or encoder`);
        const { jobId } = await engine.request('classify.train', {
          data: o.data.startsWith('builtin:') ? o.data : resolve(o.data),
          model: o.model,
          set: o.set,
          ...(o.cv ? { cv: o.cv } : {}),
          ...(o.textCol ? { textCol: o.textCol } : {}),
          ...(o.labelCol ? { labelCol: o.labelCol } : {}),
        });
        const result = (await followJob(engine, jobId, g.json)) as ClassifyRunResult;
        if (g.json) return printJson(result);
        process.stdout.write(`run ${result.runId}\n${'metric'.padEnd(18)} ${'untrained'.padStart(10)} ${'trained'.padStart(10)}${result.cv ? `   ${o.cv}-fold CV mean ± sd` : ''}\n`);
        for (const [k, v] of Object.entries(result.metrics)) {
          const cv = result.cv?.[k];
          process.stdout.write(`${k.padEnd(18)} ${(result.baseline[k as keyof typeof result.baseline] ?? NaN).toFixed(4).padStart(10)} ${v.toFixed(4).padStart(10)}${cv ? `   ${cv.mean.toFixed(4)} ± ${cv.std.toFixed(4)}` : ''}\n`);
        }
      }),
    );

  classify
    .command('predict')
    .option('--run <run>', 'classifier run id (default: the newest classifier)', 'latest')
    .argument('<text>')
    .action((text: string, o: { run: string }) =>
      withEngine(async (engine, g) => {
        const p = await engine.request('classify.predict', { run: o.run, text });
        if (g.json) return printJson(p);
        process.stdout.write(`${p.label}\n`);
        for (const [label, prob] of Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${label.padEnd(20)} ${prob.toFixed(4)}\n`);
      }),
    );
}
