import type { WordVectors } from '../embed/word-vectors.ts';
import { featureBuckets, hashToken, tokenize } from './tokenize.ts';
import type { Grad, Param } from './optimizer.ts';
import { mulberry32 } from '../common/random.ts';

export interface FeatureOptions {
  lowercase: boolean;
  maxTokens: number;
  buckets: number;
  wordNgrams: 1 | 2;
}

/**
 * Maps hash buckets to weight rows. Only buckets that training kept get a row; any other bucket
 * contributes a zero vector (and still counts in the average), as an untouched row of a dense
 * zero-initialised table would, so memory grows with the training vocabulary, not the hash space.
 */
export class BucketRows {
  readonly buckets: number;
  private readonly rowOf: Int32Array;
  readonly bucketOfRow: number[] = [];

  constructor(buckets: number, bucketOfRow: readonly number[] = []) {
    this.buckets = buckets;
    this.rowOf = new Int32Array(buckets).fill(-1);
    for (const b of bucketOfRow) this.add(b);
  }

  get size(): number {
    return this.bucketOfRow.length;
  }

  add(bucket: number): number {
    let r = this.rowOf[bucket]!;
    if (r < 0) {
      r = this.rowOf[bucket] = this.bucketOfRow.length;
      this.bucketOfRow.push(bucket);
    }
    return r;
  }

  get(bucket: number): number {
    return this.rowOf[bucket]!;
  }
}

/**
 * Texts as weighted lists of weight rows (CSR): a text's hidden vector is Σ weight·row, where weight is
 * the feature's count in the text divided by the text's feature count (the average of fastText).
 */
export interface FeatureRows {
  n: number;
  offsets: Int32Array;
  rows: Int32Array;
  weights: Float32Array;
}

function textBuckets(texts: readonly string[], opts: FeatureOptions): number[][] {
  return texts.map((t) => featureBuckets(tokenize(t, opts.lowercase, opts.maxTokens), opts.buckets, opts.wordNgrams));
}

/**
 * Training features: buckets found in at least `minCount` training texts get a weight row; rarer ones
 * (mostly one-off bigrams) get none, which saves memory and time and keeps noise out of the model.
 */
export function featurizeTraining(texts: readonly string[], opts: FeatureOptions & { minCount: number }, index: BucketRows): FeatureRows {
  const lists = textBuckets(texts, opts);
  if (opts.minCount > 1) {
    const df = new Int32Array(opts.buckets);
    const seenIn = new Int32Array(opts.buckets).fill(-1);
    lists.forEach((list, i) => {
      for (const b of list) {
        if (seenIn[b] !== i) {
          seenIn[b] = i;
          df[b]!++;
        }
      }
    });
    for (const list of lists) for (const b of list) if (df[b]! >= opts.minCount) index.add(b);
  } else {
    for (const list of lists) for (const b of list) index.add(b);
  }
  return toFeatureRows(lists, index);
}

/** Featurises texts with the rows the training texts created; buckets without a row are skipped. */
export function featurize(texts: readonly string[], opts: FeatureOptions, index: BucketRows): FeatureRows {
  return toFeatureRows(textBuckets(texts, opts), index);
}

function toFeatureRows(lists: readonly number[][], index: BucketRows): FeatureRows {
  let total = 0;
  for (const l of lists) total += l.length;
  const offsets = new Int32Array(lists.length + 1);
  const rows = new Int32Array(total);
  const weights = new Float32Array(total);
  const slotOfRow = new Map<number, number>();
  let used = 0;
  lists.forEach((buckets, i) => {
    const share = 1 / Math.max(1, buckets.length);
    slotOfRow.clear();
    for (const b of buckets) {
      const r = index.get(b);
      if (r < 0) continue;
      const slot = slotOfRow.get(r);
      if (slot === undefined) {
        slotOfRow.set(r, used);
        rows[used] = r;
        weights[used++] = share;
      } else {
        weights[slot] = weights[slot]! + share;
      }
    }
    offsets[i + 1] = used;
  });
  return { n: lists.length, offsets, rows: rows.slice(0, used), weights: weights.slice(0, used) };
}

/**
 * Starts the weight row of each training word that `vectors` knows from that word's vector (looked up
 * lower-cased, as GloVe lists words), scaled by `scale`; bigram rows and unknown words stay at zero.
 * A bucket shared by several words takes the first known one's vector. Returns the rows set.
 */
export function initWordRows(
  embeddings: Float32Array,
  dim: number,
  texts: readonly string[],
  opts: FeatureOptions,
  index: BucketRows,
  vectors: Pick<WordVectors, 'index' | 'vectors' | 'dims'>,
  scale: number,
): number {
  if (vectors.dims !== dim) throw new Error(`word vectors of ${vectors.dims} dimensions for ${dim}-dimensional rows`);
  const done = new Uint8Array(index.size);
  let set = 0;
  for (const text of texts) {
    for (const token of tokenize(text, opts.lowercase, opts.maxTokens)) {
      const r = index.get(hashToken(token) % opts.buckets);
      if (r < 0 || done[r]) continue;
      const w = vectors.index.get(token.toLowerCase());
      if (w === undefined) continue;
      done[r] = 1;
      set++;
      for (let j = 0; j < dim; j++) embeddings[r * dim + j] = vectors.vectors[w * dim + j]! * scale;
    }
  }
  return set;
}

/** The fastText classifier: average of feature embeddings, then a linear softmax layer. */
export class FastTextModel {
  readonly dim: number;
  readonly nClasses: number;
  readonly embeddings: Param;
  readonly output: Param;
  readonly bias: Param;
  readonly params: Param[];
  private readonly hidden: Float32Array;
  private readonly dHidden: Float32Array;
  private readonly logits: Float32Array;

  constructor(nRows: number, dim: number, nClasses: number, seed: number) {
    this.dim = dim;
    this.nClasses = nClasses;
    // Embeddings start at zero (so untouched rows stay exactly zero) and the output layer small and
    // random, which breaks the symmetry; the untrained model predicts the uniform distribution.
    this.embeddings = { name: 'embeddings', data: new Float32Array(nRows * dim), shape: [nRows, dim], rowSparse: true, decay: true };
    const out = new Float32Array(nClasses * dim);
    const random = mulberry32(seed);
    const scale = 1 / Math.sqrt(dim);
    for (let i = 0; i < out.length; i++) out[i] = (random() * 2 - 1) * scale;
    this.output = { name: 'output', data: out, shape: [nClasses, dim], rowSparse: false, decay: true };
    this.bias = { name: 'bias', data: new Float32Array(nClasses), shape: [nClasses], rowSparse: false, decay: false };
    this.params = [this.embeddings, this.output, this.bias];
    this.hidden = new Float32Array(dim);
    this.dHidden = new Float32Array(dim);
    this.logits = new Float32Array(nClasses);
  }

  /** Softmax probabilities of text `i` into `probs` (length nClasses). */
  private forward(x: FeatureRows, i: number, probs: Float32Array): void {
    const d = this.dim;
    const h = this.hidden;
    const emb = this.embeddings.data;
    h.fill(0);
    for (let k = x.offsets[i]!, end = x.offsets[i + 1]!; k < end; k++) {
      const base = x.rows[k]! * d;
      const wk = x.weights[k]!;
      for (let j = 0; j < d; j++) h[j] = h[j]! + wk * emb[base + j]!;
    }
    softmaxLinear(this.output.data, this.bias.data, h, this.nClasses, d, this.logits, probs);
  }

  /** Mean cross-entropy over the batch; adds its gradients to `grads` (aligned with `params`). */
  lossAndGrad(x: FeatureRows, y: Int32Array, batch: Int32Array, grads: Grad[]): number {
    const [gEmb, gOut, gBias] = grads as [Extract<Grad, { kind: 'sparse' }>, Extract<Grad, { kind: 'dense' }>, Extract<Grad, { kind: 'dense' }>];
    const d = this.dim;
    const C = this.nClasses;
    const W = this.output.data;
    const gW = gOut.values;
    const gb = gBias.values;
    const probs = new Float32Array(C);
    const h = this.hidden;
    const dh = this.dHidden;
    const { offsets, rows, weights } = x;
    const scale = 1 / batch.length;
    const sparse = gEmb.rows;
    let features = 0;
    for (let b = 0; b < batch.length; b++) features += offsets[batch[b]! + 1]! - offsets[batch[b]!]!;
    sparse.reserve(features);
    const gE = sparse.values;
    let loss = 0;
    for (let b = 0; b < batch.length; b++) {
      const i = batch[b]!;
      this.forward(x, i, probs);
      const yi = y[i]!;
      loss -= Math.log(Math.max(probs[yi]!, 1e-12));
      dh.fill(0);
      for (let c = 0; c < C; c++) {
        const g = (probs[c]! - (c === yi ? 1 : 0)) * scale;
        gb[c] = gb[c]! + g;
        const wBase = c * d;
        for (let j = 0; j < d; j++) {
          gW[wBase + j] = gW[wBase + j]! + g * h[j]!;
          dh[j] = dh[j]! + g * W[wBase + j]!;
        }
      }
      for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) {
        const base = sparse.slot(rows[k]!);
        const wk = weights[k]!;
        for (let j = 0; j < d; j++) gE[base + j] = gE[base + j]! + wk * dh[j]!;
      }
    }
    return loss * scale;
  }

  /** Probabilities of every text, row-major n × nClasses. */
  predict(x: FeatureRows): Float32Array {
    const out = new Float32Array(x.n * this.nClasses);
    for (let i = 0; i < x.n; i++) this.forward(x, i, out.subarray(i * this.nClasses, (i + 1) * this.nClasses));
    return out;
  }
}

/** probs = softmax(W h + b); `logits` is scratch space. */
export function softmaxLinear(W: Float32Array, b: Float32Array, h: Float32Array, C: number, d: number, logits: Float32Array, probs: Float32Array): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) {
    let z = b[c]!;
    const base = c * d;
    for (let j = 0; j < d; j++) z += W[base + j]! * h[j]!;
    logits[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) {
    const e = Math.exp(logits[c]! - max);
    probs[c] = e;
    sum += e;
  }
  for (let c = 0; c < C; c++) probs[c] = probs[c]! / sum;
}
