import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { BuiltinLsaProvider, tfidfMatrix } from '../../main/engine/embed/builtin.ts';
import { inverseCholeskyFactor, randomizedSvd } from '../../main/engine/embed/randomized-svd.ts';
import { symmetricEigen } from '../../main/engine/embed/symmetric-eigen.ts';
import type { Csr } from '../../main/engine/data/types.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';

const ctx = silentContext();

const CORPUS = [
  'Rocket launch puts satellite into orbit around the earth',
  'Astronauts aboard the space station watch the rocket launch',
  'The moon orbit mission and the space telescope',
  'Satellite telescope images of a distant galaxy in space',
  'Bake the bread dough in a hot oven for an hour',
  'A recipe for chocolate cake: flour, sugar, butter and the oven',
  'Slow cooking a stew with garlic, onion and butter',
  'Fresh bread recipe with flour, yeast and a pinch of sugar',
  'The striker scored a goal in the football match',
  'Football fans cheer as the team wins the league match',
  'The goalkeeper saved a penalty late in the match',
  'League table after the football season: the team is top',
];

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function row(m: Float32Array, i: number, d: number): Float32Array {
  return m.subarray(i * d, (i + 1) * d);
}

/** A sparse matrix from `dense` (row-major, nRows × nCols), and the eigenvalues of its Gram matrix (float32 data, float64 sums). */
function sparseOf(dense: Float64Array, nRows: number, nCols: number): { x: Csr; gramValues: Float64Array } {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < nRows; i++)
    for (let j = 0; j < nCols; j++)
      if (dense[i * nCols + j] !== 0) {
        rows.push(i);
        cols.push(j);
        vals.push(dense[i * nCols + j]!);
      }
  const x = csrFromCoo(nRows, nCols, Int32Array.from(rows), Int32Array.from(cols), Float32Array.from(vals));
  const gram = new Float64Array(nCols * nCols);
  for (let i = 0; i < nRows; i++)
    for (let a = 0; a < nCols; a++)
      for (let b = 0; b < nCols; b++) gram[a * nCols + b]! += Math.fround(dense[i * nCols + a]!) * Math.fround(dense[i * nCols + b]!);
  return { x, gramValues: symmetricEigen(gram, nCols).values };
}

function transposed(dense: Float64Array, nRows: number, nCols: number): Float64Array {
  const t = new Float64Array(dense.length);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) t[j * nRows + i] = dense[i * nCols + j]!;
  return t;
}

/** Largest |VᵀV − I| over the components. */
function orthogonalityError(v: Float32Array, nCols: number, rank: number): number {
  let worst = 0;
  for (let a = 0; a < rank; a++)
    for (let b = 0; b < rank; b++) {
      let dot = 0;
      for (let j = 0; j < nCols; j++) dot += v[j * rank + a]! * v[j * rank + b]!;
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  return worst;
}

describe('randomized SVD', () => {
  const rand = mulberry32(7);
  // a rank-3 matrix: 40 × 25 built from 3 random sparse factors
  const lowRank = new Float64Array(40 * 25);
  for (let k = 0; k < 3; k++) {
    const u = Array.from({ length: 40 }, () => (rand() < 0.5 ? rand() : 0));
    const v = Array.from({ length: 25 }, () => (rand() < 0.5 ? rand() : 0));
    for (let i = 0; i < 40; i++) for (let j = 0; j < 25; j++) lowRank[i * 25 + j]! += u[i]! * v[j]!;
  }
  // a full-rank sparse 60 × 45 matrix with a decaying spectrum: sparse noise plus 8 strong directions
  const fullRank = new Float64Array(60 * 45);
  for (let i = 0; i < 60 * 45; i++) if (rand() < 0.15) fullRank[i] = rand();
  for (let k = 0; k < 8; k++) {
    const u = Array.from({ length: 60 }, () => (rand() < 0.3 ? rand() : 0));
    const v = Array.from({ length: 45 }, () => (rand() < 0.3 ? rand() : 0));
    for (let i = 0; i < 60; i++) for (let j = 0; j < 45; j++) if (u[i] && v[j]) fullRank[i * 45 + j]! += (4 - k / 2) * u[i]! * v[j]!;
  }

  // the basis lives in the smaller space: words when texts outnumber them, texts otherwise; both must agree
  for (const [space, nRows, nCols, dense] of [
    ['word', 40, 25, lowRank],
    ['document', 25, 40, transposed(lowRank, 40, 25)],
  ] as const) {
    it(`recovers the singular values of a rank-3 sparse matrix and drops the rest (basis in ${space} space)`, () => {
      const { x, gramValues } = sparseOf(dense, nRows, nCols);
      const svd = randomizedSvd(x, { rank: 10, seed: 1 });
      expect(svd.rank).toBe(3);
      for (let k = 0; k < 3; k++) expect(svd.singularValues[k]! / Math.sqrt(gramValues[k]!)).toBeCloseTo(1, 5);
      expect(orthogonalityError(svd.components, nCols, 3)).toBeLessThan(1e-5);
    });
  }

  for (const [space, nRows, nCols, dense] of [
    ['word', 60, 45, fullRank],
    ['document', 45, 60, transposed(fullRank, 60, 45)],
  ] as const) {
    it(`matches the exact leading singular values of a full-rank matrix (basis in ${space} space)`, () => {
      const { x, gramValues } = sparseOf(dense, nRows, nCols);
      const svd = randomizedSvd(x, { rank: 6, seed: 5, powerIterations: 3 });
      expect(svd.rank).toBe(6);
      for (let k = 0; k < 6; k++) expect(svd.singularValues[k]! / Math.sqrt(gramValues[k]!)).toBeCloseTo(1, 4);
      expect(orthogonalityError(svd.components, nCols, 6)).toBeLessThan(1e-5);
      // each component is a right singular vector: ‖X v‖ = σ
      for (let k = 0; k < 6; k++) {
        let norm = 0;
        for (let i = 0; i < nRows; i++) {
          let dot = 0;
          for (let j = 0; j < nCols; j++) dot += Math.fround(dense[i * nCols + j]!) * svd.components[j * 6 + k]!;
          norm += dot * dot;
        }
        expect(Math.sqrt(norm) / svd.singularValues[k]!).toBeCloseTo(1, 4);
      }
    });
  }

  it('sees a cancellation within a pass over a large matrix, before the pass ends', () => {
    // 40,000 texts × 30 words: one pass runs the kernel on three slices of texts
    const nRows = 40_000;
    const indptr = Int32Array.from({ length: nRows + 1 }, (_, r) => r * 2);
    const indices = Int32Array.from({ length: nRows * 2 }, (_, p) => (p * 7 + (p >> 1)) % 30);
    const x = { nRows, nCols: 30, indptr, indices, data: new Float32Array(nRows * 2).fill(0.5) };
    let checks = 0;
    const signal = {
      get aborted() {
        return ++checks > 2;
      },
    } as AbortSignal;
    const passes: number[] = [];
    expect(() => randomizedSvd(x, { rank: 4, seed: 1, signal, onPass: (p) => passes.push(p) })).toThrow(expect.objectContaining({ kind: 'cancelled' }));
    expect(passes).toEqual([]);
    expect(checks).toBe(3);
  });

  it('inverts the Cholesky factor of a Gram matrix and zeroes the columns that depend on earlier ones', () => {
    // columns of Y: e1+e2, 2(e1+e2) (dependent), e3
    const y = [
      [1, 2, 0],
      [1, 2, 0],
      [0, 0, 1],
    ];
    const g = new Float64Array(9);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let r = 0; r < 3; r++) g[a * 3 + b]! += y[r]![a]! * y[r]![b]!;
    const inv = inverseCholeskyFactor(g, 3, 3);
    // Q = Y R⁻¹: column 1 is zero, columns 0 and 2 orthonormal
    const q = y.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, i) => s + v * inv[i * 3 + j]!, 0)));
    expect(q.map((row) => row[1])).toEqual([0, 0, 0]);
    expect(q[0]![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(q[1]![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(q[2]![2]).toBeCloseTo(1, 12);
    expect(q[0]![0]! * q[0]![2]! + q[1]![0]! * q[1]![2]! + q[2]![0]! * q[2]![2]!).toBeCloseTo(0, 12);
  });
});

describe('symmetric eigen-decomposition', () => {
  it('decomposes a symmetric matrix with repeated and negative eigenvalues: A v = λ v, V orthonormal, values descending', () => {
    const rand = mulberry32(3);
    const n = 30;
    // A = W diag(λ) Wᵀ with W orthonormal from Gram-Schmidt of random vectors
    const lambda = Array.from({ length: n }, (_, i) => (i < 3 ? 5 : i < 6 ? -2 : rand() * 4 - 1));
    const w: number[][] = [];
    for (let i = 0; i < n; i++) {
      const v = Array.from({ length: n }, () => rand() - 0.5);
      for (const u of w) {
        const d = u.reduce((s, x, k) => s + x * v[k]!, 0);
        for (let k = 0; k < n; k++) v[k]! -= d * u[k]!;
      }
      const len = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      w.push(v.map((x) => x / len));
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += w[k]![i]! * lambda[k]! * w[k]![j]!;
    const { values, vectors } = symmetricEigen(a, n);
    const sorted = [...lambda].sort((x, y) => y - x);
    for (let k = 0; k < n; k++) expect(values[k]).toBeCloseTo(sorted[k]!, 10);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * n + k]!, 10);
      }
      for (let m = 0; m < n; m++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + k]! * vectors[i * n + m]!;
        expect(dot).toBeCloseTo(k === m ? 1 : 0, 10);
      }
    }
  });

  it('handles a zero matrix and a 1 × 1 matrix', () => {
    const zero = symmetricEigen(new Float64Array(4), 2);
    expect(Array.from(zero.values)).toEqual([0, 0]);
    expect(Math.abs(zero.vectors[0]! * zero.vectors[1]! + zero.vectors[2]! * zero.vectors[3]!)).toBeLessThan(1e-15);
    expect(Array.from(symmetricEigen(Float64Array.from([-3]), 1).values)).toEqual([-3]);
  });
});

describe('the builtin TF-IDF matrix', () => {
  it('keeps the most frequent words (ties alphabetical) indexed alphabetically, with sublinear tf, smoothed idf and unit rows', () => {
    // document frequencies: bb 3, aa 2, cc 2, dd 1; at most 3 words with df ≥ 2 → aa, bb, cc (dd is below minDf)
    const corpus = ['bb bb aa', 'bb cc', 'cc aa dd bb', ''];
    const { x, vocabulary, idf } = tfidfMatrix(corpus, 2, 3, ctx);
    expect([...vocabulary]).toEqual([
      ['aa', 0],
      ['bb', 1],
      ['cc', 2],
    ]);
    const expectedIdf = (df: number) => Math.log(5 / (1 + df)) + 1;
    expect(Array.from(idf)).toEqual([2, 3, 2].map((df) => Math.fround(expectedIdf(df))));
    expect(Array.from(x.indptr)).toEqual([0, 2, 4, 7, 7]);
    expect(Array.from(x.indices)).toEqual([0, 1, 1, 2, 0, 1, 2]);
    // text 0: aa once, bb twice → (idf_a, (1 + ln 2)·idf_b) over its length
    const w0 = [expectedIdf(2), (1 + Math.log(2)) * expectedIdf(3)];
    const len = Math.hypot(...w0);
    expect(x.data[0]).toBeCloseTo(w0[0]! / len, 6);
    expect(x.data[1]).toBeCloseTo(w0[1]! / len, 6);
    // the tie between aa and cc (df 2) for the last place is decided alphabetically
    expect([...tfidfMatrix(corpus, 2, 2, ctx).vocabulary.keys()]).toEqual(['aa', 'bb']);
  });
});

describe('builtin LSA provider', () => {
  it('places texts on the same topic near each other, including unseen queries', async () => {
    const p = new BuiltinLsaProvider({ dimensions: 3, seed: 3 });
    await p.fit(CORPUS, ctx);
    expect(p.dimensions).toBe(3);
    const docs = await p.embed(CORPUS, ctx);
    const [query] = [await p.embed(['space rocket and satellite orbit'], ctx)];
    const scores = CORPUS.map((_, i) => cosine(query!, row(docs, i, 3)));
    const best = scores.indexOf(Math.max(...scores));
    expect(best).toBeLessThan(4);
    // mean within-topic similarity beats mean across-topic similarity
    let within = 0;
    let across = 0;
    for (let i = 0; i < 12; i++)
      for (let j = 0; j < 12; j++)
        if (i !== j) {
          const c = cosine(row(docs, i, 3), row(docs, j, 3));
          if (Math.floor(i / 4) === Math.floor(j / 4)) within += c / 36;
          else across += c / 96;
        }
    expect(within).toBeGreaterThan(across + 0.3);
  });

  it('returns unit vectors, caps dimensions by the rank, and embeds unknown words as zeros', async () => {
    const p = new BuiltinLsaProvider({ dimensions: 128 });
    await p.fit(CORPUS.slice(0, 5), ctx);
    expect(p.dimensions).toBeLessThanOrEqual(5);
    const d = p.dimensions;
    const v = await p.embed(['oven bread', 'zzzz qqqq'], ctx);
    let len = 0;
    for (let k = 0; k < d; k++) len += v[k]! ** 2;
    expect(len).toBeCloseTo(1, 5);
    expect(Array.from(row(v, 1, d)).every((x) => x === 0)).toBe(true);
    expect(p.effective()).toEqual({ provider: 'builtin', model: 'tfidf-lsa', dimensions: d, device: 'cpu', truncated: 0 });
  });

  it('is deterministic for a seed and round-trips through save/load', async () => {
    const a = new BuiltinLsaProvider({ dimensions: 4, seed: 11 });
    const b = new BuiltinLsaProvider({ dimensions: 4, seed: 11 });
    await a.fit(CORPUS, ctx);
    await b.fit(CORPUS, ctx);
    const va = await a.embed(CORPUS, ctx);
    expect(Array.from(await b.embed(CORPUS, ctx))).toEqual(Array.from(va));
    const dir = mkdtempSync(join(tmpdir(), 'ty-lsa-'));
    a.save(dir);
    expect(BuiltinLsaProvider.isSavedIn(dir)).toBe(true);
    const loaded = BuiltinLsaProvider.load(dir);
    expect(loaded.dimensions).toBe(a.dimensions);
    expect(Array.from(await loaded.embed(CORPUS, ctx))).toEqual(Array.from(va));
  });

  it('rejects a corpus without words, embedding before fit, and honours cancellation', async () => {
    const p = new BuiltinLsaProvider();
    await expect(p.fit(['', '!!', '?'], ctx)).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(p.embed(['x'], ctx)).rejects.toBeInstanceOf(EngineError);
    const ac = new AbortController();
    ac.abort();
    await expect(p.fit(CORPUS, silentContext(ac.signal))).rejects.toMatchObject({ kind: 'cancelled' });
  });
});
