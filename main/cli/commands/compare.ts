import type { Command } from 'commander';
import type { ModelComparison } from '../../common/contracts/runs.ts';
import { EngineError } from '../../common/contracts/errors.ts';
import { metricHelpText } from '../../engine/eval/metric-definitions.ts';
import type { WithEngine } from '../index.ts';
import { printJson } from '../output.ts';

/** RUN or RUN:MODEL (run ids never hold a colon; external:NAME models do). */
function parseSide(text: string): { run: string; model?: string } {
  const at = text.indexOf(':');
  return at < 0 ? { run: text } : { run: text.slice(0, at), model: text.slice(at + 1) };
}

const p = (v: number): string => (v < 0.0001 ? v.toExponential(1) : v.toFixed(4));

export function formatComparison(c: ModelComparison): string {
  const out: string[] = [`${c.b.label}  vs  ${c.a.label}  (b − a, K = ${c.k})`];
  if (!c.comparable) {
    out.push('WARNING: not comparable, so no paired test:');
    for (const d of c.differences) out.push(`  ${d.key}: ${d.a} vs ${d.b}`);
    out.push(c.verdict);
    return out.join('\n') + '\n';
  }
  out.push(`${c.users} users paired; ${c.method}`);
  const header = ['metric', 'a', 'b', 'b − a', '95% interval', 'p (t)', 'p (signed-rank)'];
  const rows = c.metrics.map((m) => [
    m.metric,
    m.a.toFixed(4),
    m.b.toFixed(4),
    m.diff.toFixed(4),
    `[${m.ci95[0].toFixed(4)}, ${m.ci95[1].toFixed(4)}]`,
    p(m.pTAdjusted),
    p(m.pWilcoxonAdjusted),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  out.push(line(header), ...rows.map(line));
  for (const [metric, same] of Object.entries(c.sameAs)) out.push(`(${metric} equals ${same} here: every user has one test item)`);
  out.push('p-values are Holm-adjusted over the metrics above.', '', ...c.metrics.map((m) => m.verdict));
  return out.join('\n') + '\n';
}

export function registerCompareCommand(program: Command, withEngine: WithEngine): void {
  program
    .command('compare')
    .description('paired comparison of two models on the same split: two models of one run (R:als R:hybrid) or two runs with equal data and split')
    .argument('<a>', 'RUN or RUN:MODEL (RUN: a run id or latest)')
    .argument('<b>', 'RUN or RUN:MODEL')
    .option('--model <model>', 'model for a side given without one (default: the last stage both runs have)')
    .option('--k <k>', 'cut-off of the compared metrics (default 10)')
    .addHelpText('after', '\n' + metricHelpText())
    .action((aText: string, bText: string, o: { model?: string; k?: string }) =>
      withEngine(async (engine, g) => {
        const a = parseSide(aText);
        const b = parseSide(bText);
        let fallback = o.model;
        if (!fallback && (!a.model || !b.model)) {
          const [da, db] = await Promise.all([engine.request('runs.show', { run: a.run }), engine.request('runs.show', { run: b.run })]);
          fallback = [...da.manifest.stages].reverse().find((s) => db.metrics?.models[s.name])?.name;
          if (!fallback)
            throw new EngineError('invalid-input', `runs ${a.run} and ${b.run} have no model in common: name one per side, e.g. ${a.run}:als ${b.run}:als`, {
              field: 'model',
            });
        }
        const k = o.k === undefined ? undefined : Number(o.k);
        if (k !== undefined && !(Number.isInteger(k) && k > 0))
          throw new EngineError('invalid-input', `--k ${o.k} is not a positive whole number`, { field: 'k' });
        const comparison = await engine.request('eval.compare', {
          a: { run: a.run, model: a.model ?? fallback! },
          b: { run: b.run, model: b.model ?? fallback! },
          ...(k !== undefined ? { k } : {}),
        });
        if (g.json) printJson(comparison);
        else process.stdout.write(formatComparison(comparison));
      }),
    );
}
