import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { BuiltinLsaProvider } from '../../main/engine/embed/builtin.ts';
import { orthonormalizeColumns, randomizedSvd, symmetricEigen } from '../../main/engine/embed/randomized-svd.ts';
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

describe('randomized SVD', () => {
  it('recovers the leading singular values of a sparse matrix exactly when its rank is small', () => {
    const rand = mulberry32(7);
    // a rank-3 matrix: 40 × 25 built from 3 random sparse factors
    const n = 40;
    const m = 25;
    const dense = new Float64Array(n * m);
    for (let k = 0; k < 3; k++) {
      const u = Array.from({ length: n }, () => (rand() < 0.5 ? rand() : 0));
      const v = Array.from({ length: m }, () => (rand() < 0.5 ? rand() : 0));
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) dense[i * m + j]! += u[i]! * v[j]!;
    }
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++)
        if (dense[i * m + j] !== 0) {
          rows.push(i);
          cols.push(j);
          vals.push(dense[i * m + j]!);
        }
    const x = csrFromCoo(n, m, Int32Array.from(rows), Int32Array.from(cols), Float32Array.from(vals));
    // reference: eigenvalues of XᵀX from the float32 data
    const gram = new Float64Array(m * m);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) gram[a * m + b]! += Math.fround(dense[i * m + a]!) * Math.fround(dense[i * m + b]!);
    const ref = symmetricEigen(gram, m).values;
    const svd = randomizedSvd(x, { rank: 10, seed: 1 });
    expect(svd.rank).toBe(3);
    for (let k = 0; k < 3; k++) expect(svd.singularValues[k]!).toBeCloseTo(Math.sqrt(ref[k]!), 6);
    // components are orthonormal
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < m; j++) dot += svd.components[j * 3 + a]! * svd.components[j * 3 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 8);
      }
    }
  });

  it('orthonormalises columns and zeroes dependent ones', () => {
    // columns: e1+e2, 2(e1+e2) (dependent), e3
    const a = Float64Array.from([1, 2, 0, 1, 2, 0, 0, 0, 1]);
    orthonormalizeColumns(a, 3, 3);
    expect(a[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(a[1]).toBe(0);
    expect(a[4]).toBe(0);
    expect(a[8]).toBeCloseTo(1, 12);
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
