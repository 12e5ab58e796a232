/**
 * One transformers-provider measurement for embed.bench.ts, in a process of its own so that its peak
 * RSS is this model's. The provider runs in the embedding worker thread, as the product runs it.
 *
 *   node tests/bench/embed-transformers.ts --model-path DIR --label TEXT [--dtype fp32] [--texts 5000] [--sample 1000]
 */
import { parseArgs } from 'node:util';
import type { TransformersDtype } from '../../main/engine/embed/transformers.ts';
import { WorkerEmbeddingProvider } from '../../main/engine/embed/worker-provider.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { benchTexts, evenSample } from './mail-texts.ts';

const { values } = parseArgs({
  options: {
    'model-path': { type: 'string' },
    label: { type: 'string' },
    dtype: { type: 'string', default: 'fp32' },
    texts: { type: 'string', default: '5000' },
    sample: { type: 'string', default: '1000' },
  },
});
if (!values['model-path'] || !values.label) throw new Error('--model-path and --label are required');
const ctx = silentContext();
const texts = evenSample(benchTexts(Number(values.texts)), Number(values.sample));
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const rssBefore = process.memoryUsage().rss;

let t0 = performance.now();
const dtype = values.dtype as TransformersDtype;
const provider = await WorkerEmbeddingProvider.start({ provider: 'transformers', modelPath: values['model-path'], dtype, batchSize: 32 }, null, ctx);
const loadS = (performance.now() - t0) / 1000;
t0 = performance.now();
await provider.embed(texts, ctx);
const s = (performance.now() - t0) / 1000;
const eff = provider.effective();
await provider.dispose();
console.log(
  `${values.label} (${dtype}, ${eff.dimensions} dims, ${eff.device}, batches of 32): ${(texts.length / s).toFixed(1)} texts/s ` +
    `(${texts.length} texts in ${s.toFixed(1)} s, ${eff.truncated} truncated; load ${loadS.toFixed(1)} s), ` +
    `peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} (${mib(rssBefore)} before loading)`,
);
