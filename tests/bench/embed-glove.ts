/**
 * One glove-provider measurement for embed.bench.ts, in a process of its own so that its peak RSS
 * is this step's: `--step convert` turns the package's JSON into the compact file in `--cache`
 * (what the first use does), `--step load` loads the compact file and embeds the mail texts (what
 * every later use does).
 *
 *   node tests/bench/embed-glove.ts --step convert|load --cache DIR [--json FILE] [--texts 5000]
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GloveProvider } from '../../main/engine/embed/glove.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { benchTexts } from './mail-texts.ts';

const { values } = parseArgs({
  options: { step: { type: 'string' }, cache: { type: 'string' }, json: { type: 'string' }, texts: { type: 'string', default: '5000' } },
});
if (!values.cache || (values.step !== 'convert' && values.step !== 'load')) throw new Error('--step convert|load and --cache are required');
const ctx = silentContext();
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const options = { cacheDir: values.cache, ...(values.json ? { modelPath: values.json } : {}) };

const t0 = performance.now();
const provider = await GloveProvider.load(options, ctx);
const loadMs = performance.now() - t0;
const peak = mib(process.resourceUsage().maxRSS * 1024);
if (values.step === 'convert') {
  const file = `${values.cache}/${provider.effective().model}.bin`;
  console.log(`glove convert (first use): ${(loadMs / 1000).toFixed(2)} s, compact file ${mib(statSync(file).size)}, peak RSS ${peak}`);
} else {
  const rss = mib(process.memoryUsage().rss);
  const texts = benchTexts(Number(values.texts));
  const t1 = performance.now();
  await provider.fit(texts, ctx);
  await provider.embed(texts, ctx);
  const s = (performance.now() - t1) / 1000;
  console.log(
    `glove load (every later use): ${Math.round(loadMs)} ms, RSS after load ${rss} (peak ${peak}); fit + embed ${Math.round(texts.length / s)} texts/s (${s.toFixed(2)} s)`,
  );
}
