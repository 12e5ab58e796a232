/**
 * ALS benchmark: trains on a generated Zipf-like implicit log and prints seconds per iteration, the loss
 * curve, full-catalogue scoring time and peak RSS.
 *   node tests/bench/als.bench.ts [--users 50000 --items 20000 --nnz 1800000 --threads 2 --iterations 15 --factors 64 --score-users 50000 (0 skips scoring)]
 */
import { parseArgs } from 'node:util';
import { csrFromCoo } from '../../main/engine/data/csr.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { ALS_DEFAULTS, createAlsScorer, trainAls } from '../../main/engine/recsys/als/als.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    items: { type: 'string', default: '20000' },
    nnz: { type: 'string', default: '1800000' },
    threads: { type: 'string', default: '2' },
    iterations: { type: 'string', default: '15' },
    factors: { type: 'string', default: '64' },
    'score-users': { type: 'string', default: '50000' },
    seed: { type: 'string', default: '7' },
  },
});
const nUsers = Number(values.users);
const nItems = Number(values.items);
const target = Number(values.nnz);
const seed = Number(values.seed);

function shuffled(n: number, rnd: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Skewed activity and popularity (rank = n * u^skew), ranks scattered over the index range; duplicates add up. */
function generate() {
  const rnd = mulberry32(seed);
  const userOf = shuffled(nUsers, rnd);
  const itemOf = shuffled(nItems, rnd);
  const rows = new Int32Array(target);
  const cols = new Int32Array(target);
  for (let e = 0; e < target; e++) {
    rows[e] = userOf[Math.floor(nUsers * rnd() ** 1.6)]!;
    cols[e] = itemOf[Math.floor(nItems * rnd() ** 2.5)]!;
  }
  return csrFromCoo(nUsers, nItems, rows, cols, null);
}

let t = performance.now();
const matrix = generate();
const nnz = matrix.indptr[nUsers]!;
console.log(`log: ${nUsers} users x ${nItems} items, ${nnz} distinct interactions (generated in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

const iterationSeconds: number[] = [];
/** CPU seconds of all threads between progress reports: on a busy machine a steadier figure than wall time. */
const cpuSeconds: number[] = [];
let cpuMark = process.cpuUsage();
const ctx = {
  ...silentContext(),
  log: (_level: string, message: string) => console.log(message),
  progress: (p: { current: number; metrics?: Record<string, number> }) => {
    const m = p.metrics ?? {};
    const cpu = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    iterationSeconds.push(m.seconds ?? NaN);
    if (p.current > 1) cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    console.log(`iteration ${p.current}: loss ${m.loss?.toExponential(4)}  ${m.seconds?.toFixed(3)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s`);
  },
};
t = performance.now();
const model = await trainAls(
  matrix,
  { ...ALS_DEFAULTS, factors: Number(values.factors), iterations: Number(values.iterations), threads: Number(values.threads) },
  ctx,
);
const total = (performance.now() - t) / 1000;
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const setup = total - iterationSeconds.reduce((s, v) => s + v, 0);
console.log(
  `train: ${total.toFixed(2)} s total (${setup.toFixed(2)} s setup), ${mean(iterationSeconds).toFixed(3)} s/iteration (loss included), threads ${values.threads}`,
);
if (cpuSeconds.length) console.log(`cpu: ${mean(cpuSeconds).toFixed(3)} cpu-s/iteration (all threads, iterations 2+)`);

const scoreUsers = Math.min(Number(values['score-users']), nUsers);
if (scoreUsers > 0) {
  t = performance.now();
  const cpuStart = process.cpuUsage();
  const scorer = createAlsScorer(model);
  const batch = 256;
  const out = new Float32Array(batch * nItems);
  const users = new Int32Array(batch);
  for (let u0 = 0; u0 < scoreUsers; u0 += batch) {
    const count = Math.min(batch, scoreUsers - u0);
    for (let b = 0; b < count; b++) users[b] = u0 + b;
    scorer.scoreUsers(users.subarray(0, count), out);
  }
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    `score: ${scoreUsers} users x ${nItems} items in ${((performance.now() - t) / 1000).toFixed(2)} s on one thread (${((cpu.user + cpu.system) / 1e6).toFixed(2)} cpu-s)`,
  );
}
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
