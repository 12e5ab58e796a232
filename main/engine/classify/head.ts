import type { Grad, Param } from './optimizer.ts';
import { softmaxLinear } from './fasttext.ts';
import { mulberry32 } from '../common/random.ts';

/** Fixed-width input vectors (frozen sentence embeddings), row-major n × dim. */
export interface DenseRows {
  n: number;
  dim: number;
  values: Float32Array;
}

/**
 * Classifier head over frozen embeddings: linear softmax (`hidden` 0) or one ReLU hidden layer.
 * The last layer starts at zero, so the untrained head predicts the uniform distribution.
 */
export class HeadModel {
  readonly inputDim: number;
  readonly hidden: number;
  readonly nClasses: number;
  readonly params: Param[];
  private readonly h: Float32Array;
  private readonly dh: Float32Array;
  private readonly logits: Float32Array;

  constructor(inputDim: number, hidden: number, nClasses: number, seed: number) {
    this.inputDim = inputDim;
    this.hidden = hidden;
    this.nClasses = nClasses;
    const width = hidden > 0 ? hidden : inputDim;
    const matrix = (name: string, rows: number, cols: number, data: Float32Array): Param => ({
      name,
      data,
      shape: [rows, cols],
      rowSparse: false,
      decay: true,
    });
    const vector = (name: string, n: number): Param => ({ name, data: new Float32Array(n), shape: [n], rowSparse: false, decay: false });
    this.params = [];
    if (hidden > 0) {
      const w1 = new Float32Array(hidden * inputDim);
      const random = mulberry32(seed);
      const limit = Math.sqrt(6 / inputDim); // He-uniform for ReLU
      for (let i = 0; i < w1.length; i++) w1[i] = (random() * 2 - 1) * limit;
      this.params.push(matrix('hidden_weight', hidden, inputDim, w1), vector('hidden_bias', hidden));
    }
    this.params.push(matrix('output', nClasses, width, new Float32Array(nClasses * width)), vector('bias', nClasses));
    this.h = new Float32Array(width);
    this.dh = new Float32Array(width);
    this.logits = new Float32Array(nClasses);
  }

  /** Fills this.h with the last layer's input and `probs` with the softmax. */
  private forward(x: DenseRows, i: number, probs: Float32Array): void {
    const D = this.inputDim;
    const xi = x.values.subarray(i * D, (i + 1) * D);
    if (this.hidden > 0) {
      const W1 = this.params[0]!.data;
      const b1 = this.params[1]!.data;
      for (let u = 0; u < this.hidden; u++) {
        let z = b1[u]!;
        const base = u * D;
        for (let j = 0; j < D; j++) z += W1[base + j]! * xi[j]!;
        this.h[u] = z > 0 ? z : 0;
      }
    } else {
      this.h.set(xi);
    }
    const k = this.params.length;
    softmaxLinear(this.params[k - 2]!.data, this.params[k - 1]!.data, this.h, this.nClasses, this.h.length, this.logits, probs);
  }

  lossAndGrad(x: DenseRows, y: Int32Array, batch: Int32Array, grads: Grad[]): number {
    const dense = grads.map((g) => (g.kind === 'dense' ? g.values : new Float32Array(0)));
    const k = this.params.length;
    const W = this.params[k - 2]!.data;
    const gW = dense[k - 2]!;
    const gb = dense[k - 1]!;
    const C = this.nClasses;
    const width = this.h.length;
    const D = this.inputDim;
    const probs = new Float32Array(C);
    const scale = 1 / batch.length;
    let loss = 0;
    for (const i of batch) {
      this.forward(x, i, probs);
      const yi = y[i]!;
      loss -= Math.log(Math.max(probs[yi]!, 1e-12));
      this.dh.fill(0);
      for (let c = 0; c < C; c++) {
        const g = (probs[c]! - (c === yi ? 1 : 0)) * scale;
        gb[c] = gb[c]! + g;
        const base = c * width;
        for (let j = 0; j < width; j++) {
          gW[base + j] = gW[base + j]! + g * this.h[j]!;
          this.dh[j] = this.dh[j]! + g * W[base + j]!;
        }
      }
      if (this.hidden > 0) {
        const gW1 = dense[0]!;
        const gb1 = dense[1]!;
        const xi = x.values.subarray(i * D, (i + 1) * D);
        for (let u = 0; u < this.hidden; u++) {
          if (this.h[u]! <= 0) continue;
          const g = this.dh[u]!;
          gb1[u] = gb1[u]! + g;
          const base = u * D;
          for (let j = 0; j < D; j++) gW1[base + j] = gW1[base + j]! + g * xi[j]!;
        }
      }
    }
    return loss * scale;
  }

  predict(x: DenseRows): Float32Array {
    const out = new Float32Array(x.n * this.nClasses);
    for (let i = 0; i < x.n; i++) this.forward(x, i, out.subarray(i * this.nClasses, (i + 1) * this.nClasses));
    return out;
  }
}
