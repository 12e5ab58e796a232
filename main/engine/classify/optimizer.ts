/**
 * AdamW over dense parameters and row-sparse ones (embedding tables): a sparse parameter's gradient
 * lists only the rows a batch touched, and the update ("lazy Adam") visits only those rows, so a step
 * costs O(rows in batch), not O(table).
 */
export interface Param {
  name: string;
  data: Float32Array;
  /** [rows, cols] for matrices, [n] for vectors */
  shape: number[];
  rowSparse: boolean;
  /** biases are not decayed */
  decay: boolean;
}

/** Gradient rows of one row-sparse parameter, accumulated without touching untouched rows. */
export class SparseRowGrad {
  readonly width: number;
  private readonly slotOf: Int32Array;
  rows: Int32Array;
  values: Float32Array;
  count = 0;

  constructor(nRows: number, width: number) {
    this.width = width;
    this.slotOf = new Int32Array(nRows).fill(-1);
    this.rows = new Int32Array(1024);
    this.values = new Float32Array(1024 * width);
  }

  /** Offset of `row` in `values`, allocating a zeroed slot on first use. */
  slot(row: number): number {
    let s = this.slotOf[row]!;
    if (s < 0) {
      s = this.count++;
      if (s >= this.rows.length) this.grow();
      this.slotOf[row] = s;
      this.rows[s] = row;
    }
    return s * this.width;
  }

  /** Makes room for `extra` more rows, so `values` stays the same array while they are added. */
  reserve(extra: number): void {
    while (this.count + extra > this.rows.length) this.grow();
  }

  private grow(): void {
    const rows = new Int32Array(this.rows.length * 2);
    rows.set(this.rows);
    const values = new Float32Array(rows.length * this.width);
    values.set(this.values);
    this.rows = rows;
    this.values = values;
  }

  reset(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.rows[s]!] = -1;
    this.values.fill(0, 0, this.count * this.width);
    this.count = 0;
  }
}

export type Grad = { kind: 'dense'; values: Float32Array } | { kind: 'sparse'; rows: SparseRowGrad };

export function gradientsFor(params: readonly Param[]): Grad[] {
  return params.map((p) =>
    p.rowSparse ? { kind: 'sparse', rows: new SparseRowGrad(p.shape[0]!, p.shape[1]!) } : { kind: 'dense', values: new Float32Array(p.data.length) },
  );
}

export function resetGradients(grads: readonly Grad[]): void {
  for (const g of grads) {
    if (g.kind === 'dense') g.values.fill(0);
    else g.rows.reset();
  }
}

export function gradientNorm(grads: readonly Grad[]): number {
  let sum = 0;
  for (const g of grads) {
    const v = g.kind === 'dense' ? g.values : g.rows.values.subarray(0, g.rows.count * g.rows.width);
    for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  }
  return Math.sqrt(sum);
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class AdamW {
  readonly params: readonly Param[];
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** number of updates applied so far (bias correction uses it) */
  t = 0;
  private readonly opts: AdamWOptions;

  constructor(params: readonly Param[], opts: AdamWOptions) {
    this.params = params;
    this.opts = opts;
    this.m = params.map((p) => new Float32Array(p.data.length));
    this.v = params.map((p) => new Float32Array(p.data.length));
  }

  /** Applies one update; `gradScale` multiplies every gradient (used for norm clipping). */
  step(grads: readonly Grad[], lr: number, gradScale: number): void {
    this.t++;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!;
      const g = grads[k]!;
      const w = p.data;
      const m = this.m[k]!;
      const v = this.v[k]!;
      const decay = p.decay ? lr * weightDecay : 0;
      if (g.kind === 'dense') adamRange(w, m, v, g.values, 0, 0, w.length, lr, decay, gradScale, beta1, beta2, c1, c2, eps);
      else {
        const { rows, values, count, width } = g.rows;
        for (let s = 0; s < count; s++) adamRange(w, m, v, values, s * width, rows[s]! * width, width, lr, decay, gradScale, beta1, beta2, c1, c2, eps);
      }
    }
  }
}

/** AdamW update of w[at .. at+len) from g[gAt .. gAt+len). */
function adamRange(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  gAt: number,
  at: number,
  len: number,
  lr: number,
  decay: number,
  gradScale: number,
  beta1: number,
  beta2: number,
  c1: number,
  c2: number,
  eps: number,
): void {
  const stepSize = lr / c1;
  const sqrtC2 = Math.sqrt(c2);
  for (let j = 0; j < len; j++) {
    const i = at + j;
    const gs = g[gAt + j]! * gradScale;
    const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gs);
    const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gs * gs);
    w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps) - decay * w[i]!;
  }
}

/** Linear warmup to `peak` over `warmupSteps`, then linear decay to 0 at `totalSteps`. */
export function learningRate(step: number, peak: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const rest = Math.max(1, totalSteps - warmupSteps);
  return Math.max(0, peak * (1 - (step - warmupSteps) / rest));
}
