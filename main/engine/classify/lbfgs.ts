import { throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';

/** f(x) and its gradient written into `grad`. */
export type Objective = (x: Float32Array, grad: Float32Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** stop when the largest gradient component is at most this */
  tol: number;
  /** correction pairs kept */
  memory: number;
}

export interface LbfgsResult {
  x: Float32Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

const YIELD_INTERVAL_MS = 50;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4 and 7.5) with a backtracking Armijo line
 * search. Vectors are Float32 to halve the memory of a million-feature model (each of the
 * 2·memory + 4 vectors is one copy of the weights); every reduction accumulates in Float64.
 * A pair whose curvature sᵀy is not positive is skipped, which keeps the inverse-Hessian
 * approximation positive definite without a Wolfe line search.
 */
export async function minimizeLbfgs(f: Objective, x0: Float32Array, opts: LbfgsOptions, ctx?: TaskContext): Promise<LbfgsResult> {
  const n = x0.length;
  const m = opts.memory;
  const x = Float32Array.from(x0);
  const g = new Float32Array(n);
  const xNew = new Float32Array(n);
  const gNew = new Float32Array(n);
  const d = new Float32Array(n);
  const S: Float32Array[] = [];
  const Y: Float32Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let fx = f(x, g);
  let evaluations = 1;
  let iterations = 0;
  let lastYield = performance.now();
  while (iterations < opts.maxIter) {
    if (maxAbs(g) <= opts.tol) return { x, f: fx, iterations, evaluations, converged: true };
    if (ctx) {
      if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      throwIfCancelled(ctx.signal);
    }
    // d = −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I from the newest pair
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(S[k]!, d);
      alpha[k] = a;
      const yk = Y[k]!;
      for (let i = 0; i < n; i++) d[i] = d[i]! - a * yk[i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = 1 / (rho[last]! * dot(Y[last]!, Y[last]!));
      for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
    }
    for (let k = 0; k < S.length; k++) {
      const b = rho[k]! * dot(Y[k]!, d);
      const a = alpha[k]! - b;
      const sk = S[k]!;
      for (let i = 0; i < n; i++) d[i] = d[i]! + a * sk[i]!;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction (rounding): restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = dot(g, d);
    }
    let step = S.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let fNew: number;
    for (let tries = 0; ; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = f(xNew, gNew);
      evaluations++;
      if (fNew <= fx + 1e-4 * step * slope) break;
      if (tries === 40) return { x, f: fx, iterations, evaluations, converged: false };
      step *= 0.5;
    }
    iterations++;
    const s = S.length === m ? S.shift()! : new Float32Array(n);
    const y = Y.length === m ? Y.shift()! : new Float32Array(n);
    if (rho.length === m) rho.shift();
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = fx - fNew;
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    // no progress left at Float32 precision
    if (decrease <= 1e-12 * Math.max(1, Math.abs(fx))) return { x, f: fx, iterations, evaluations, converged: maxAbs(g) <= opts.tol };
  }
  return { x, f: fx, iterations, evaluations, converged: maxAbs(g) <= opts.tol };
}
