import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ClassifierCandidate } from '../../common/contracts/runs.ts';
import type { ClassifyRunResult } from '../../engine/runs/classify-run.ts';
import { CLASSIFIER_MODELS } from '../../engine/classify/params.ts';
import type { WithEngine } from '../index.ts';
import { followJob, printJson } from '../output.ts';
import { collect, parseWholeNumber } from './parse.ts';

/** auto's candidates: validation scores and time, or why one was skipped. */
function candidateTable(candidates: readonly ClassifierCandidate[]): string {
  const lines = [`${'candidate'.padEnd(22)} ${'val macro_f1'.padStart(12)} ${'val accuracy'.padStart(12)} ${'seconds'.padStart(8)}`];
  for (const c of candidates) {
    const name = `${c.chosen ? '* ' : '  '}${c.model}${c.encoder ? ` (${c.encoder})` : ''}`.padEnd(22);
    lines.push(
      c.validation
        ? `${name} ${c.validation.macro_f1.toFixed(4).padStart(12)} ${c.validation.accuracy.toFixed(4).padStart(12)} ${c.seconds.toFixed(1).padStart(8)}`
        : `${name} skipped: ${c.reason ?? ''}`,
    );
  }
  return lines.join('\n') + '\n\n';
}

export function registerClassifyCommands(program: Command, withEngine: WithEngine): void {
  const classify = program.command('classify').description('train and use text classifiers');

  classify
    .command('train')
    .description('train a text classifier on labelled texts and report its held-out scores')
    .requiredOption('--data <file>', 'labelled CSV/TSV/JSONL, or builtin:spam-assassin')
    .option('--text-col <name>', 'text column (detected when omitted)')
    .option('--label-col <name>', 'label column (detected when omitted)')
    .option('--model <kind>', 'auto (train linear, fasttext and encoder; keep the best by validation macro F1), linear, fasttext or encoder', 'auto')
    .option('--set <key=value>', 'override a training parameter, e.g. train.epochs=5 or compareTo=RUN (repeatable)', collect, [])
    .option('--cv <folds>', 'also run stratified k-fold cross-validation (at most the smallest class count)')
    .action((o: { data: string; textCol?: string; labelCol?: string; model: string; set: string[]; cv?: string }) =>
      withEngine(async (engine, g) => {
        const model = CLASSIFIER_MODELS.find((m) => m === o.model);
        if (!model) throw new Error(`--model ${o.model}: expected ${CLASSIFIER_MODELS.join(', ')}`);
        const { jobId } = await engine.request('classify.train', {
          data: o.data.startsWith('builtin:') ? o.data : resolve(o.data),
          model,
          set: o.set,
          ...(o.cv !== undefined ? { cv: parseWholeNumber('--cv', o.cv) } : {}),
          ...(o.textCol ? { textCol: o.textCol } : {}),
          ...(o.labelCol ? { labelCol: o.labelCol } : {}),
        });
        const result = (await followJob(engine, jobId, g.json)) as ClassifyRunResult;
        if (g.json) return printJson(result);
        process.stdout.write(`run ${result.runId}: ${result.model}\n`);
        if (result.candidates) process.stdout.write(candidateTable(result.candidates));
        process.stdout.write(`${'metric'.padEnd(18)} ${'majority'.padStart(10)} ${'trained'.padStart(10)}${result.cv ? `   ${o.cv}-fold CV mean ± sd` : ''}\n`);
        for (const [k, v] of Object.entries(result.metrics)) {
          const cv = result.cv?.[k];
          process.stdout.write(
            `${k.padEnd(18)} ${(result.baseline[k as keyof typeof result.baseline] ?? NaN).toFixed(4).padStart(10)} ${v.toFixed(4).padStart(10)}${cv ? `   ${cv.mean.toFixed(4)} ± ${cv.std.toFixed(4)}` : ''}\n`,
          );
        }
      }),
    );

  classify
    .command('predict')
    .description('the label of a text, with the probability of each class')
    .option('--run <run>', 'classifier run id (default: the newest classifier)', 'latest')
    .argument('<text>')
    .action((text: string, o: { run: string }) =>
      withEngine(async (engine, g) => {
        const p = await engine.request('classify.predict', { run: o.run, text });
        if (g.json) return printJson(p);
        process.stdout.write(`${p.label}\n`);
        for (const [label, prob] of Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]))
          process.stdout.write(`  ${label.padEnd(20)} ${prob.toFixed(4)}\n`);
      }),
    );
}
