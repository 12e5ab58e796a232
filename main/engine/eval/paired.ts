/**
 * Paired comparison of two models on the same users: per-user differences d = b − a of a metric,
 * their mean with a 95% interval, a paired t-test and a Wilcoxon signed-rank test, and Holm's
 * correction when several metrics are tested at once.
 *
 *   t-test:   t = mean(d) / (sd(d) / √n), df = n − 1, two-sided p from Student's t;
 *             interval mean(d) ± t₀.₉₇₅,df · sd(d) / √n.
 *   Wilcoxon: zero differences dropped (Wilcoxon's method), |d| ranked with average ranks for ties,
 *             W⁺ = sum of ranks of positive d; normal approximation with tie and continuity
 *             correction: z = (W⁺ − n(n+1)/4 ∓ ½) / √(n(n+1)(2n+1)/24 − Σ(t³ − t)/48).
 *             (R's wilcox.test(exact = FALSE, correct = TRUE); scipy's wilcoxon(method="approx", correction=True).)
 *   Holm:     p-values sorted ascending, p₍ⱼ₎ · (m − j + 1), made monotone, capped at 1.
 */

export interface PairedTest {
  n: number;
  meanA: number;
  meanB: number;
  /** mean of b − a */
  diff: number;
  ci95: [number, number];
  t: number;
  pT: number;
  /** W⁺ and its two-sided p (normal approximation) */
  wilcoxonW: number;
  pWilcoxon: number;
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), x > 0. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided p of Student's t with df degrees of freedom: P(|T| ≥ |t|). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The 0.975 quantile of Student's t (bisection on the two-sided p). */
function studentQuantile975(df: number): number {
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > 0.05) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Complementary error function (Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p of a standard normal z: P(|Z| ≥ |z|). */
export function normalTwoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** W⁺ and the two-sided p of the Wilcoxon signed-rank test on differences d (normal approximation). */
export function wilcoxonSignedRank(d: ArrayLike<number>): { w: number; p: number } {
  const nonzero: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) nonzero.push(d[i]!);
  const n = nonzero.length;
  if (n === 0) return { w: 0, p: 1 };
  const order = nonzero.map((_, i) => i).sort((x, y) => Math.abs(nonzero[x]!) - Math.abs(nonzero[y]!));
  let w = 0;
  let tieTerm = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && Math.abs(nonzero[order[end]!]!) === Math.abs(nonzero[order[start]!]!)) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (nonzero[order[k]!]! > 0) w += rank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return { w, p: 1 };
  const shift = w - mean;
  const z = (shift - 0.5 * Math.sign(shift)) / Math.sqrt(variance);
  return { w, p: Math.min(1, normalTwoSidedP(z)) };
}

/** Paired t-test, 95% interval and Wilcoxon test of b − a over aligned per-user values. */
export function pairedTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTest {
  const n = a.length;
  if (b.length !== n) throw new Error(`paired samples differ in length: ${n} and ${b.length}`);
  const d = new Float64Array(n);
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    d[i] = b[i]! - a[i]!;
    sumA += a[i]!;
    sumB += b[i]!;
  }
  const diff = n ? (sumB - sumA) / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (d[i]! - diff) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : NaN;
  const df = n - 1;
  // all differences equal: no spread, the difference is exact (t infinite unless it is 0)
  const t = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Infinity;
  const pT = n > 1 ? (se > 0 ? studentTwoSidedP(t, df) : diff === 0 ? 1 : 0) : NaN;
  const half = se > 0 ? studentQuantile975(df) * se : 0;
  const { w, p } = wilcoxonSignedRank(d);
  return { n, meanA: n ? sumA / n : NaN, meanB: n ? sumB / n : NaN, diff, ci95: [diff - half, diff + half], t, pT, wilcoxonW: w, pWilcoxon: p };
}

/** Holm's step-down adjustment of p-values (same order as given). */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((x, y) => p[x]! - p[y]!);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((i, j) => {
    running = Math.max(running, Math.min(1, p[i]! * (m - j)));
    out[i] = running;
  });
  return out;
}
