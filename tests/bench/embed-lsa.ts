/**
 * The builtin LSA fit against scikit-learn's TruncatedSVD (algorithm='randomized', the same n_iter as our
 * power iterations, 10 oversamples like ours) on the same TF-IDF matrix: the builtin provider's matrix of
 * the mail texts, written as CSR .npy files that both sides read. Each side runs --repeats times and
 * keeps its fastest run; scikit-learn runs on the float32 matrix (our precision) and on float64
 * (TfidfVectorizer's default). Quality beside time: the sum of the singular values found (each is a
 * lower bound of the true one, so larger is closer) and the last one. The reference needs
 * /usr/bin/python3 with scikit-learn (Debian: apt-get install python3-sklearn); without it the
 * reference rows are skipped with a message. Run by embed.bench.ts, or:
 *
 *   node tests/bench/embed-lsa.ts [--texts 10000] [--dims 256] [--power-iterations 2] [--repeats 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveNpy } from '../../main/engine/common/arrays.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { tfidfMatrix } from '../../main/engine/embed/builtin.ts';
import { randomizedSvd } from '../../main/engine/embed/randomized-svd.ts';
import { benchTexts } from './mail-texts.ts';

const { values } = parseArgs({
  options: {
    texts: { type: 'string', default: '10000' },
    dims: { type: 'string', default: '256' },
    'power-iterations': { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
  },
});
const dims = Number(values.dims);
const powerIterations = Number(values['power-iterations']);
const repeats = Number(values.repeats);

const PYTHON = `
import json, sys, time
import numpy as np, scipy.sparse as sp, sklearn
from sklearn.decomposition import TruncatedSVD
d, k, n_iter, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
shape = tuple(json.load(open(d + '/shape.json')))
x = sp.csr_matrix((np.load(d + '/data.npy'), np.load(d + '/indices.npy'), np.load(d + '/indptr.npy')), shape=shape)
for dtype in ('float32', 'float64'):
    xx = x.astype(dtype)
    best = None
    for r in range(repeats):
        t = time.perf_counter()
        svd = TruncatedSVD(n_components=k, algorithm='randomized', n_iter=n_iter, n_oversamples=10, random_state=r).fit(xx)
        s = time.perf_counter() - t
        best = s if best is None else min(best, s)
    sv = svd.singular_values_
    print(json.dumps({'dtype': dtype, 'seconds': best, 'sum': float(sv.sum()), 'last': float(sv[-1]), 'version': sklearn.__version__}))
`;

const texts = benchTexts(Number(values.texts));
const ctx = silentContext();
const { x } = tfidfMatrix(texts, texts.length < 1000 ? 1 : 2, 100_000, ctx);
const nnz = x.indptr[x.nRows]!;
console.log(`LSA fit: ${x.nRows} mail texts × ${x.nCols} words, ${nnz} nonzeros; ${dims} dims, ${powerIterations} power iterations, best of ${repeats}`);

let best = Infinity;
let svd = randomizedSvd(x, { rank: dims, seed: 42, powerIterations });
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  svd = randomizedSvd(x, { rank: dims, seed: 42 + r, powerIterations });
  best = Math.min(best, (performance.now() - t0) / 1000);
}
const sum = svd.singularValues.reduce((a, b) => a + b, 0);
const last = svd.singularValues[svd.rank - 1]!;
console.log(`  ours (randomizedSvd, WASM SIMD, float32): ${best.toFixed(2)} s; Σσ ${sum.toFixed(3)}, σ${svd.rank} ${last.toFixed(4)}`);

const sklearn = spawnSync('/usr/bin/python3', ['-c', 'import sklearn, scipy'], { encoding: 'utf8' }).status === 0;
if (!sklearn) console.log('  scikit-learn: skipped (/usr/bin/python3 cannot import sklearn and scipy; Debian: apt-get install python3-sklearn)');
else {
  const dir = mkdtempSync(join(tmpdir(), 'ty-lsa-bench-'));
  try {
    saveNpy(join(dir, 'indptr.npy'), x.indptr, [x.nRows + 1]);
    saveNpy(join(dir, 'indices.npy'), x.indices.subarray(0, nnz), [nnz]);
    saveNpy(join(dir, 'data.npy'), x.data.subarray(0, nnz), [nnz]);
    writeFileSync(join(dir, 'shape.json'), JSON.stringify([x.nRows, x.nCols]));
    const run = spawnSync('/usr/bin/python3', ['-c', PYTHON, dir, String(dims), String(powerIterations), String(repeats)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) {
      console.log(`  scikit-learn: failed: ${run.stderr.trim().split('\n').pop()}`);
      process.exitCode = 1;
    } else {
      for (const line of run.stdout.trim().split('\n')) {
        const ref = JSON.parse(line) as { dtype: string; seconds: number; sum: number; last: number; version: string };
        console.log(
          `  scikit-learn ${ref.version} TruncatedSVD (${ref.dtype}): ${ref.seconds.toFixed(2)} s; Σσ ${ref.sum.toFixed(3)}, σ${dims} ${ref.last.toFixed(4)} → ours/theirs ${(best / ref.seconds).toFixed(2)}×`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
