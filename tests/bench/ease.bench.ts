/**
 * EASE benchmark: our solve (WASM SIMD kernel, float64) against numpy on the same Gram matrix, at
 * each size: seconds, the ratio, peak RSS of each process, and the largest difference in B.
 * numpy computes Steck's reference: P = np.linalg.inv(G), B = −P / diag(P), zero diagonal (and, for
 * context, np.linalg.cholesky(G) alone). Needs /usr/bin/python3 with numpy (Debian: python3-numpy;
 * OpenBLAS: libopenblas0-pthread); without it, only our side is timed.
 *   node tests/bench/ease.bench.ts [--sizes 2000,5000 --users-per-item 10 --nnz-per-user 30 --lambda 500 --threads 0]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import type { Csr } from '../../main/engine/data/types.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { trainEase } from '../../main/engine/recsys/ease/ease.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { loadFloat32, saveNpy } from '../../main/engine/common/arrays.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2000,5000' },
    'users-per-item': { type: 'string', default: '10' },
    'nnz-per-user': { type: 'string', default: '30' },
    lambda: { type: 'string', default: '500' },
    threads: { type: 'string', default: '0' },
    seed: { type: 'string', default: '7' },
  },
});
const lambda = Number(values.lambda);
const threads = Number(values.threads);

/** Skewed activity and popularity, as in als.bench.ts. */
function generate(nItems: number): Csr {
  const rnd = mulberry32(Number(values.seed));
  const nUsers = nItems * Number(values['users-per-item']);
  const nnz = nUsers * Number(values['nnz-per-user']);
  const rows = new Int32Array(nnz);
  const cols = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) {
    rows[e] = Math.floor(nUsers * rnd() ** 1.6);
    cols[e] = Math.floor(nItems * rnd() ** 2.5);
  }
  return csrFromCoo(nUsers, nItems, rows, cols, null);
}

/** The dense G = XᵀX + λI (binary X) that both sides invert. */
function denseGram(x: Csr): Float64Array {
  const n = x.nCols;
  const g = new Float64Array(n * n);
  for (let u = 0; u < x.nRows; u++) {
    for (let p = x.indptr[u]!; p < x.indptr[u + 1]!; p++) {
      for (let q = x.indptr[u]!; q < x.indptr[u + 1]!; q++) g[x.indices[p]! * n + x.indices[q]!]! += 1;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i]! += lambda;
  return g;
}

const PYTHON = `
import os, resource, sys, time
import numpy as np
g = np.load(sys.argv[1])
t = time.perf_counter()
p = np.linalg.inv(g)
b = -p / np.diag(p)
np.fill_diagonal(b, 0)
b = b.astype(np.float32)
inv_s = time.perf_counter() - t
np.save(sys.argv[2], b)
del p, b
t = time.perf_counter()
np.linalg.cholesky(g)
chol_s = time.perf_counter() - t
print(inv_s, chol_s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, np.__version__)
`;

const numpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
if (!numpy) console.log('numpy: not available (/usr/bin/python3 -c "import numpy" failed): timing our side only');
const dir = mkdtempSync(join(tmpdir(), 'ty-ease-bench-'));
try {
  for (const n of values.sizes.split(',').map(Number)) {
    const x = generate(n);
    const t0 = performance.now();
    const model = await trainEase(x, { lambda, maxItems: n, memoryBudgetMB: 1e9 }, threads, silentContext());
    const ours = (performance.now() - t0) / 1000;
    const oursRss = process.resourceUsage().maxRSS / 1024;
    console.log(`n=${n}: ${x.indptr[x.nRows]} interactions, ${x.nRows} users`);
    console.log(`  ours : ${ours.toFixed(2)} s (Gram + solve + B, ${model.threads} threads), process peak RSS ${oursRss.toFixed(0)} MiB`);
    if (!numpy) continue;
    const gPath = join(dir, `g${n}.npy`);
    const bPath = join(dir, `b${n}.npy`);
    saveNpy(gPath, denseGram(x), [n, n]);
    const run = spawnSync('/usr/bin/python3', ['-c', PYTHON, gPath, bPath], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) {
      console.log(`  numpy: failed: ${run.stderr.trim().split('\n').pop()}`);
      continue;
    }
    const [invS, cholS, rss, version] = run.stdout.trim().split(/\s+/);
    const theirs = loadFloat32(bPath).data;
    let worst = 0;
    for (let k = 0; k < theirs.length; k++) worst = Math.max(worst, Math.abs(theirs[k]! - model.weights[k]!));
    const blas = process.env.OPENBLAS_NUM_THREADS ?? 'default';
    console.log(
      `  numpy: ${Number(invS).toFixed(2)} s (inv + B; OPENBLAS_NUM_THREADS ${blas}), cholesky alone ${Number(cholS).toFixed(2)} s, peak RSS ${Number(rss).toFixed(0)} MiB, numpy ${version}`,
    );
    console.log(`  ratio ours / numpy inv: ${(ours / Number(invS)).toFixed(1)}x; max |B_ours - B_numpy| = ${worst.toExponential(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
