/**
 * Text classifier benchmark: training and prediction speed of fastText and of the linear model
 * (TF-IDF + logistic regression, C chosen by 3-fold inner cross-validation over {1, 10, 100}) on
 * 100k short generated documents (10 topics, Zipf-distributed vocabulary of 20k words, 8–24 words
 * each). Each model runs in its own process, so each reports its own peak RSS.
 * Run: node tests/bench/classify.bench.ts [--docs 100000] [--epochs 5] [--model fasttext|linear] [--min-df N]
 * (--min-df 1 keeps every term up to linear.maxFeatures: the 1M-feature case)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import type { LabelledText } from '../../main/engine/classify/dataset.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';

const { values } = parseArgs({
  options: { docs: { type: 'string', default: '100000' }, epochs: { type: 'string', default: '5' }, model: { type: 'string' }, 'min-df': { type: 'string' } },
});
const nDocs = Number(values.docs);
const epochs = Number(values.epochs);
if (!values.model) {
  for (const model of ['fasttext', 'linear']) {
    const minDf = values['min-df'] ? ['--min-df', values['min-df']] : [];
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--docs', values.docs, '--epochs', values.epochs, ...minDf, '--model', model], {
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.exit(0);
}
if (values.model !== 'linear' && values.model !== 'fasttext') throw new Error(`--model ${values.model}: expected fasttext or linear`);
const model = values.model;

function generate(n: number, seed: number): LabelledText[] {
  const random = mulberry32(seed);
  const vocab = 20_000;
  const topics = 10;
  // Zipf(1) sampling by inverse CDF over a precomputed table
  const cdf = new Float64Array(vocab);
  let acc = 0;
  for (let r = 0; r < vocab; r++) cdf[r] = acc += 1 / (r + 1);
  const zipf = () => {
    const u = random() * acc;
    let lo = 0;
    let hi = vocab - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rows: LabelledText[] = [];
  for (let i = 0; i < n; i++) {
    const topic = i % topics;
    const words: string[] = [];
    const len = 8 + Math.floor(random() * 17);
    for (let w = 0; w < len; w++) {
      // a quarter of the words come from the topic's own slice of the vocabulary
      words.push(random() < 0.25 ? `t${topic}w${zipf() % 500}` : `w${zipf()}`);
    }
    rows.push({ text: words.join(' '), label: `topic${topic}` });
  }
  return rows;
}

const started = performance.now();
const data = generate(nDocs, 1);
const outDir = mkdtempSync(join(tmpdir(), 'ty-classify-bench-'));
try {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await trainClassifier(
    {
      data,
      outDir,
      model,
      params: { train: { epochs, patience: epochs + 1, batchSize: 64 }, ...(values['min-df'] ? { linear: { minDf: Number(values['min-df']) } } : {}) },
    },
    silentContext(),
  );
  const trainWall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const clf = loadClassifier(outDir);
  const texts = data.map((r) => r.text);
  const t1 = performance.now();
  const predictions = await clf.predictMany(texts);
  const predictSeconds = (performance.now() - t1) / 1000;
  const trainLoopSeconds = result.training.history.reduce((s, h) => s + h.seconds, 0);
  const linear = model === 'linear' ? (JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8')) as { terms: number; C: number }) : null;
  console.log(
    JSON.stringify(
      {
        model,
        docs: nDocs,
        ...(linear && result.training.linear
          ? {
              terms: linear.terms,
              chosenC: linear.C,
              innerCv: result.training.linear.search.map((s) => ({ C: s.C, macro_f1: Number(s.macro_f1.toFixed(4)) })),
              finalFitIterations: result.training.epochs,
              trainSeconds: Number(result.training.seconds.toFixed(2)),
            }
          : {}),
        epochs: result.training.epochs,
        trainExamples: result.quality.split.train,
        trainExamplesPerSec: Math.round(result.training.examplesPerSec),
        trainLoopSeconds: Number(trainLoopSeconds.toFixed(2)),
        trainClassifierWallSeconds: Number(trainWall.toFixed(2)),
        // CPU time of the whole trainClassifier call (all threads): comparable on a loaded machine
        trainClassifierCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        ...(linear ? {} : { fiveEpochsOver100kDocsSeconds: Number(((5 * 100_000) / result.training.examplesPerSec).toFixed(1)) }),
        predictTextsPerSec: Math.round(texts.length / predictSeconds),
        predicted: predictions.length,
        testAccuracy: Number(result.metrics.accuracy.toFixed(4)),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        totalSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      },
      null,
      1,
    ),
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
