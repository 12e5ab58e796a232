import type { TaskContext } from '../jobs/context.ts';
import type { FeatureRows } from './fasttext.ts';
import type { Grad, Param } from './optimizer.ts';
import { tokenize } from './tokenize.ts';
import { trainLoop } from './train-loop.ts';
import { evaluate } from './metrics.ts';

/**
 * The reference the fastText model must beat: TF-IDF over word unigrams (sublinear tf, smooth idf,
 * L2-normalised rows, as scikit-learn's TfidfVectorizer) with a multinomial logistic regression.
 */
export interface TfidfOptions {
  lowercase: boolean;
  maxTokens: number;
  /** terms in fewer training texts are dropped */
  minDf: number;
}

export class TfidfVectorizer {
  private readonly opts: TfidfOptions;
  private readonly vocab = new Map<string, number>();
  private idf = new Float32Array(0);

  constructor(opts: TfidfOptions) {
    this.opts = opts;
  }

  get size(): number {
    return this.vocab.size;
  }

  fit(texts: readonly string[]): void {
    const df = new Map<string, number>();
    for (const t of texts) for (const term of new Set(tokenize(t, this.opts.lowercase, this.opts.maxTokens))) df.set(term, (df.get(term) ?? 0) + 1);
    const idf: number[] = [];
    for (const [term, count] of [...df].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (count < this.opts.minDf) continue;
      this.vocab.set(term, idf.length);
      idf.push(Math.log((1 + texts.length) / (1 + count)) + 1);
    }
    this.idf = Float32Array.from(idf);
  }

  transform(texts: readonly string[]): FeatureRows {
    const offsets = new Int32Array(texts.length + 1);
    const rows: number[] = [];
    const weights: number[] = [];
    texts.forEach((t, i) => {
      const tf = new Map<number, number>();
      for (const term of tokenize(t, this.opts.lowercase, this.opts.maxTokens)) {
        const id = this.vocab.get(term);
        if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      const start = rows.length;
      let norm = 0;
      for (const [id, count] of [...tf].sort((a, b) => a[0] - b[0])) {
        const w = (1 + Math.log(count)) * this.idf[id]!;
        rows.push(id);
        weights.push(w);
        norm += w * w;
      }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let k = start; k < rows.length; k++) weights[k]! *= inv;
      offsets[i + 1] = rows.length;
    });
    return { n: texts.length, offsets, rows: Int32Array.from(rows), weights: Float32Array.from(weights) };
  }
}

/** Multinomial logistic regression over sparse rows; the weight table is features × classes. */
export class LogisticRegression {
  readonly nClasses: number;
  readonly params: Param[];

  constructor(nFeatures: number, nClasses: number) {
    this.nClasses = nClasses;
    this.params = [
      { name: 'weights', data: new Float32Array(nFeatures * nClasses), shape: [nFeatures, nClasses], rowSparse: true, decay: true },
      { name: 'bias', data: new Float32Array(nClasses), shape: [nClasses], rowSparse: false, decay: false },
    ];
  }

  private logitsInto(x: FeatureRows, i: number, out: Float32Array): void {
    const C = this.nClasses;
    const W = this.params[0]!.data;
    out.set(this.params[1]!.data);
    for (let k = x.offsets[i]!; k < x.offsets[i + 1]!; k++) {
      const base = x.rows[k]! * C;
      for (let c = 0; c < C; c++) out[c] = out[c]! + x.weights[k]! * W[base + c]!;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, out[c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += out[c] = Math.exp(out[c]! - max);
    for (let c = 0; c < C; c++) out[c] = out[c]! / sum;
  }

  lossAndGrad(x: FeatureRows, y: Int32Array, batch: Int32Array, grads: Grad[]): number {
    const gW = grads[0]!;
    const gb = grads[1]!;
    if (gW.kind !== 'sparse' || gb.kind !== 'dense') throw new Error('LogisticRegression: unexpected gradient layout');
    const C = this.nClasses;
    const p = new Float32Array(C);
    const scale = 1 / batch.length;
    let loss = 0;
    for (const i of batch) {
      this.logitsInto(x, i, p);
      loss -= Math.log(Math.max(p[y[i]!]!, 1e-12));
      for (let c = 0; c < C; c++) p[c] = (p[c]! - (c === y[i] ? 1 : 0)) * scale;
      for (let c = 0; c < C; c++) gb.values[c] = gb.values[c]! + p[c]!;
      for (let k = x.offsets[i]!; k < x.offsets[i + 1]!; k++) {
        const base = gW.rows.slot(x.rows[k]!);
        for (let c = 0; c < C; c++) gW.rows.values[base + c] = gW.rows.values[base + c]! + x.weights[k]! * p[c]!;
      }
    }
    return loss * scale;
  }

  predict(x: FeatureRows): Float32Array {
    const out = new Float32Array(x.n * this.nClasses);
    for (let i = 0; i < x.n; i++) this.logitsInto(x, i, out.subarray(i * this.nClasses, (i + 1) * this.nClasses));
    return out;
  }
}

export interface TfidfBaselineOptions extends TfidfOptions {
  epochs: number;
  lr: number;
  /** decoupled L2 shrinkage per step, the regulariser */
  weightDecay: number;
  seed: number;
}

export const TFIDF_BASELINE_DEFAULTS: TfidfBaselineOptions = { lowercase: true, maxTokens: 600, minDf: 1, epochs: 10, lr: 0.05, weightDecay: 1e-4, seed: 42 };

/** Fits TF-IDF + logistic regression on the training texts; selects the epoch by training loss. */
export async function fitTfidfBaseline(texts: readonly string[], y: Int32Array, nClasses: number, opts: TfidfBaselineOptions, ctx: TaskContext): Promise<{ predict(texts: readonly string[]): Float32Array }> {
  const vectorizer = new TfidfVectorizer(opts);
  vectorizer.fit(texts);
  const x = vectorizer.transform(texts);
  const model = new LogisticRegression(vectorizer.size, nClasses);
  const labels = Array.from({ length: nClasses }, (_, c) => String(c));
  await trainLoop({
    trainable: { params: model.params, lossAndGrad: (batch, grads) => model.lossAndGrad(x, y, batch, grads) },
    nTrain: texts.length,
    options: { epochs: opts.epochs, batchSize: 32, lr: opts.lr, weightDecay: opts.weightDecay, warmup: 0, clipNorm: 0, metric: 'loss', patience: opts.epochs, seed: opts.seed },
    validate: () => ({ loss: evaluate(model.predict(x), y, labels).loss }),
    fingerprint: 'tfidf-baseline',
    ctx,
    stage: 'tfidf-baseline',
  });
  return { predict: (t) => model.predict(vectorizer.transform(t)) };
}
