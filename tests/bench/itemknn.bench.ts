/**
 * ItemKNN benchmark: neighbour computation on a generated Zipf-like implicit log (the row:
 * 20k items × 2M interactions), on one thread and on `--threads`; seconds, pairs kept, peak RSS.
 *   node tests/bench/itemknn.bench.ts [--users 50000 --items 20000 --nnz 2000000 --neighbours 100 --threads 2]
 */
import { parseArgs } from 'node:util';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { knnSettings, trainItemKnn } from '../../main/engine/recsys/itemknn/itemknn.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    items: { type: 'string', default: '20000' },
    nnz: { type: 'string', default: '2000000' },
    neighbours: { type: 'string', default: '100' },
    threads: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
  },
});
const nUsers = Number(values.users);
const nItems = Number(values.items);
const target = Number(values.nnz);

/** Skewed activity and popularity, as in als.bench.ts. */
const rnd = mulberry32(Number(values.seed));
const rows = new Int32Array(target);
const cols = new Int32Array(target);
for (let e = 0; e < target; e++) {
  rows[e] = Math.floor(nUsers * rnd() ** 1.6);
  cols[e] = Math.floor(nItems * rnd() ** 2.5);
}
const matrix = csrFromCoo(nUsers, nItems, rows, cols, null);
let pairs = 0;
for (let u = 0; u < nUsers; u++) pairs += (matrix.indptr[u + 1]! - matrix.indptr[u]!) ** 2;
console.log(`log: ${nUsers} users x ${nItems} items, ${matrix.indptr[nUsers]} distinct interactions, ${(pairs / 1e6).toFixed(0)}M co-occurrence updates`);

const settings = knnSettings({ neighbours: Number(values.neighbours), shrink: 10, similarity: 'cosine', alpha: 0.5 });
for (const threads of [...new Set([1, Number(values.threads)])]) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const model = await trainItemKnn(matrix, settings, threads, silentContext());
  const used = process.cpuUsage(cpu);
  // CPU seconds of all threads: on a busy machine a steadier figure than wall time
  console.log(
    `itemknn: ${((performance.now() - t) / 1000).toFixed(2)} s on ${model.threads} thread(s) (${((used.user + used.system) / 1e6).toFixed(2)} cpu-s), ${model.indices.length} neighbour pairs kept`,
  );
}
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
