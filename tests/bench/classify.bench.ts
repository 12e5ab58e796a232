/**
 * Text classifier benchmark: quality, training and prediction speed of fastText, of the linear
 * model (TF-IDF + logistic regression, C chosen by 3-fold inner cross-validation over {1, 10, 100})
 * and of `auto` (linear and fastText, the better by validation macro F1; no encoder candidate),
 * beside the notebook reference in scikit-learn (sklearn-tfidf-logreg.ts: TF-IDF word 1–2-grams,
 * sublinear tf, + LogisticRegression C = 10, and the same with GridSearchCV over C), trained on
 * the very training texts and scored on the very test texts of our split. Two data sets:
 * - generated: 100k short documents (10 topics, Zipf-distributed vocabulary of 20k words, 8–24
 *   words each), split seed 42 (fasttext, linear, auto, the references);
 * - spam-assassin: the SpamAssassin corpus (builtin:spam-assassin), the product's default params, a
 *   stratified split per seed of --spam-seeds (linear, auto, the references).
 * Each model runs in its own process, so each reports its own peak RSS. Without scikit-learn in
 * /usr/bin/python3 the reference rows are skipped with a message. The default run (one SpamAssassin
 * seed) takes about 5½ minutes on 2 cores; --spam-seeds 1,2,3 adds about 2 minutes per seed.
 * Run: node tests/bench/classify.bench.ts [--data generated,spam-assassin] [--docs 100000] [--epochs 5] [--min-df N]
 *   [--spam-seeds 1,2,3] [--model fasttext|linear|auto|sklearn-c10|sklearn-grid [--data generated|spam-assassin] [--seed N]]
 * (--min-df 1 keeps every term up to linear.maxFeatures: the 1M-feature case)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { loadClassifier, trainClassifier } from '../../main/engine/classify/classify.ts';
import type { LabelledText } from '../../main/engine/classify/dataset.ts';
import { parseClassifyParams, type ClassifyParamsInput } from '../../main/engine/classify/params.ts';
import { prepareData } from '../../main/engine/classify/prepare.ts';
import { loadSpamAssassin } from '../../main/engine/classify/spam-assassin.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { runSklearn, sklearnMissing, type SklearnResult } from './sklearn-tfidf-logreg.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    docs: { type: 'string', default: '100000' },
    epochs: { type: 'string', default: '5' },
    'min-df': { type: 'string' },
    'spam-seeds': { type: 'string', default: '1' },
    model: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});
const nDocs = Number(values.docs);
const epochs = Number(values.epochs);
const DATASETS = ['generated', 'spam-assassin'] as const;
type Dataset = (typeof DATASETS)[number];
const MODELS = ['fasttext', 'linear', 'auto', 'sklearn-c10', 'sklearn-grid'] as const;
type Model = (typeof MODELS)[number];
/** the most L-BFGS iterations a reference fit may take */
const SKLEARN_MAX_ITER = 1000;

/** What every process reports (one JSON object, also written to --out for the parent). */
interface Report {
  model: Model;
  data: Dataset;
  seed: number;
  /** the model trained: auto's choice, or the reference's C */
  detail: string;
  testAccuracy: number;
  testMacroF1: number;
  /** vectorising and every fit, C search included (auto: every candidate) */
  fitSeconds: number;
  predictTextsPerSec: number;
  peakRssMiB: number;
  /** 1-minute load average when the process ended (set by the parent): the machine may be shared */
  load?: number;
}

/** The rows of a data set, and the params both sides split them with. */
function benchData(data: Dataset, seed: number): { rows: LabelledText[]; params: ClassifyParamsInput } {
  const minDf = values['min-df'] ? { linear: { minDf: Number(values['min-df']) } } : {};
  if (data === 'spam-assassin') return { rows: loadSpamAssassin(), params: { seed, ...minDf } };
  return { rows: generate(nDocs, 1), params: { seed, train: { epochs, patience: epochs + 1, batchSize: 64 }, ...minDf } };
}

if (!values.model) {
  const datasets = (values.data ?? 'generated,spam-assassin').split(',').map((d) => {
    if (!(DATASETS as readonly string[]).includes(d)) throw new Error(`--data ${d}: expected ${DATASETS.join(' or ')}`);
    return d as Dataset;
  });
  const missing = sklearnMissing();
  if (missing) console.log(`scikit-learn reference: skipped (${missing})`);
  const references: Model[] = missing ? [] : ['sklearn-c10', 'sklearn-grid'];
  const outDir = mkdtempSync(join(tmpdir(), 'ty-classify-bench-runs-'));
  const blocks: { title: string; reports: Report[] }[] = [];
  try {
    for (const data of datasets) {
      const seeds = data === 'generated' ? [42] : values['spam-seeds'].split(',').map(Number);
      const models: Model[] = [...(data === 'generated' ? ['fasttext' as const] : []), 'linear', 'auto', ...references];
      for (const seed of seeds) {
        const reports: Report[] = [];
        for (const model of models) {
          const out = join(outDir, `${data}-${seed}-${model}.json`);
          const minDf = values['min-df'] ? ['--min-df', values['min-df']] : [];
          const args = ['--data', data, '--seed', String(seed), '--docs', values.docs, '--epochs', values.epochs, ...minDf, '--model', model, '--out', out];
          const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
          if (r.status !== 0) process.exit(r.status ?? 1);
          reports.push({ ...(JSON.parse(readFileSync(out, 'utf8')) as Report), load: loadavg()[0]! });
        }
        blocks.push({ title: `${data === 'generated' ? `generated, ${nDocs} documents` : 'SpamAssassin'}, split seed ${seed}`, reports });
      }
      if (seeds.length > 1) blocks.push({ title: `SpamAssassin, mean of seeds ${seeds.join(', ')}`, reports: meanReports(blocks.slice(-seeds.length)) });
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  for (const b of blocks) printComparison(b.title, b.reports);
  process.exit(0);
}

/** Each model's figures averaged over the blocks (one per seed, the same models in each). */
function meanReports(blocks: readonly { reports: Report[] }[]): Report[] {
  const mean = (pick: (r: Report) => number, i: number) => blocks.reduce((s, b) => s + pick(b.reports[i]!), 0) / blocks.length;
  return blocks[0]!.reports.map((first, i) => ({
    ...first,
    detail: [...new Set(blocks.map((b) => b.reports[i]!.detail))].join(' / '),
    testAccuracy: mean((r) => r.testAccuracy, i),
    testMacroF1: mean((r) => r.testMacroF1, i),
    fitSeconds: mean((r) => r.fitSeconds, i),
    predictTextsPerSec: mean((r) => r.predictTextsPerSec, i),
    peakRssMiB: Math.max(...blocks.map((b) => b.reports[i]!.peakRssMiB)),
    load: mean((r) => r.load ?? 0, i),
  }));
}

/** A table of every model's figures, and ours against each reference: accuracy and macro-F1 differences, fit-time ratio. */
function printComparison(title: string, reports: readonly Report[]): void {
  const refs = reports.filter((r) => r.model.startsWith('sklearn'));
  const name = (r: Report) =>
    r.model === 'sklearn-c10' ? 'scikit-learn, C = 10' : r.model === 'sklearn-grid' ? `scikit-learn grid (${r.detail})` : `ours ${r.model} (${r.detail})`;
  const against = (r: Report, ref: Report) =>
    `${signed(r.testAccuracy - ref.testAccuracy)} / ${signed(r.testMacroF1 - ref.testMacroF1)} / ${(r.fitSeconds / ref.fitSeconds).toFixed(2)}×`;
  console.log(`\n${title}`);
  console.log(
    `| model | accuracy | macro-F1 | fit s | predictions/s | peak RSS MiB | load |${refs.map((ref) => ` vs ${name(ref)}: Δ accuracy / Δ macro-F1 / fit time |`).join('')}`,
  );
  console.log(`|---|---|---|---|---|---|---|${refs.map(() => '---|').join('')}`);
  for (const r of reports) {
    const cells = [
      name(r),
      r.testAccuracy.toFixed(4),
      r.testMacroF1.toFixed(4),
      r.fitSeconds.toFixed(1),
      Math.round(r.predictTextsPerSec).toLocaleString('en'),
      Math.round(r.peakRssMiB),
      r.load?.toFixed(1) ?? '',
    ];
    console.log(`| ${cells.join(' | ')} |${refs.map((ref) => ` ${r.model.startsWith('sklearn') ? '' : against(r, ref)} |`).join('')}`);
  }
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
}

const model = values.model as Model;
if (!(MODELS as readonly string[]).includes(model)) throw new Error(`--model ${model}: expected ${MODELS.join(', ')}`);
const dataset = (values.data ?? 'generated') as Dataset;
if (!(DATASETS as readonly string[]).includes(dataset)) throw new Error(`--data ${dataset}: with --model, expected one of ${DATASETS.join(', ')}`);
const seed = Number(values.seed ?? 42);

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
const { rows, params } = benchData(dataset, seed);
const outDir = mkdtempSync(join(tmpdir(), 'ty-classify-bench-'));
let report: Report;
try {
  if (model === 'sklearn-c10' || model === 'sklearn-grid') {
    const parsed = parseClassifyParams(params);
    const { train, test } = prepareData(rows, parsed);
    const part = (examples: readonly { text: string; label: string }[]) => ({ texts: examples.map((e) => e.text), labels: examples.map((e) => e.label) });
    const ref: SklearnResult = runSklearn(
      outDir,
      model === 'sklearn-c10' ? 'c10' : 'grid',
      { train: part(train), test: part(test), predict: rows.map((r) => r.text) },
      {
        minDf: parsed.linear.minDf,
        maxFeatures: parsed.linear.maxFeatures,
        C: parsed.linear.C,
        folds: parsed.linear.folds,
        searchRows: parsed.linear.searchRows,
        maxIter: SKLEARN_MAX_ITER,
      },
    );
    report = {
      model,
      data: dataset,
      seed,
      detail: `C ${ref.C}`,
      testAccuracy: ref.accuracy,
      testMacroF1: ref.macroF1,
      fitSeconds: ref.fitSeconds,
      predictTextsPerSec: ref.predictTextsPerSec,
      peakRssMiB: ref.peakRssMiB,
    };
    console.log(
      JSON.stringify(
        {
          ...report,
          sklearn: ref.version,
          terms: ref.terms,
          ...(ref.cv.length ? { cv: ref.cv.map((c) => ({ C: c.C, macro_f1: Number(c.macro_f1.toFixed(4)) })) } : {}),
          lbfgsIterations: ref.iterations,
          trainExamples: train.length,
          testExamples: test.length,
        },
        null,
        1,
      ),
    );
  } else {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await trainClassifier({ data: rows, outDir, model, params, encoders: [] }, silentContext());
    const trainWall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const clf = loadClassifier(outDir);
    const texts = rows.map((r) => r.text);
    const t1 = performance.now();
    const predictions = await clf.predictMany(texts);
    const predictSeconds = (performance.now() - t1) / 1000;
    const trainLoopSeconds = result.training.history.reduce((s, h) => s + h.seconds, 0);
    const linear = result.model === 'linear' ? (JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8')) as { terms: number; C: number }) : null;
    const fitSeconds = result.candidates ? result.candidates.reduce((s, c) => s + c.seconds, 0) : result.training.seconds;
    report = {
      model,
      data: dataset,
      seed,
      detail:
        `${model === 'auto' ? `${result.model}` : ''}${linear ? `${model === 'auto' ? ', ' : ''}C ${linear.C}` : ''}` || `${result.training.epochs} epochs`,
      testAccuracy: result.metrics.accuracy,
      testMacroF1: result.metrics.macro_f1,
      fitSeconds,
      predictTextsPerSec: texts.length / predictSeconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    console.log(
      JSON.stringify(
        {
          model,
          data: dataset,
          seed,
          docs: rows.length,
          ...(result.candidates
            ? {
                chosen: result.model,
                candidates: result.candidates.map((c) => ({
                  model: c.model,
                  status: c.status,
                  ...(c.validation ? { validationMacroF1: Number(c.validation.macro_f1.toFixed(4)) } : {}),
                  seconds: Number(c.seconds.toFixed(2)),
                })),
              }
            : {}),
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
          fitSeconds: Number(fitSeconds.toFixed(2)),
          trainClassifierWallSeconds: Number(trainWall.toFixed(2)),
          // CPU time of the whole trainClassifier call (all threads): comparable on a loaded machine
          trainClassifierCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
          ...(model === 'fasttext' && dataset === 'generated'
            ? { fiveEpochsOver100kDocsSeconds: Number(((5 * 100_000) / result.training.examplesPerSec).toFixed(1)) }
            : {}),
          predictTextsPerSec: Math.round(report.predictTextsPerSec),
          predicted: predictions.length,
          testExamples: result.quality.split.test,
          testAccuracy: Number(result.metrics.accuracy.toFixed(4)),
          testMacroF1: Number(result.metrics.macro_f1.toFixed(4)),
          peakRssMiB: Math.round(report.peakRssMiB),
          totalSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        },
        null,
        1,
      ),
    );
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
if (values.out) writeFileSync(values.out, JSON.stringify(report));
