/**
 * Full-ranking evaluation benchmark:
 *   node tests/bench/eval.bench.ts [--users 50000] [--items 20000] [--factors 64] [--dims 128] [--batch 256] [--inline]
 * Default: evaluateInParallel (ranking worker overlapping scoring); --inline: evaluate on one thread.
 * Then the same evaluation of the semantic stage's scorer beside it: user profiles built from the
 * training events over random `--dims`-wide item vectors (the builtin LSA default is 128).
 * Target: 50k users × 20k items in < 10 s on 2 cores. Prints the split between time inside the
 * scorer and time in masking + top-K + metrics (evaluate's own work), and peak RSS.
 */
import { parseArgs } from 'node:util';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { evaluate, evaluateInParallel } from '../../main/engine/eval/evaluate.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { type AlsModel, createAlsScorer } from '../../main/engine/recsys/als/als.ts';
import type { Scorer } from '../../main/engine/recsys/scorer.ts';
import { buildUserProfiles, createSemanticScorer } from '../../main/engine/recsys/semantic.ts';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    items: { type: 'string', default: '20000' },
    factors: { type: 'string', default: '64' },
    dims: { type: 'string', default: '128' },
    batch: { type: 'string', default: '256' },
    inline: { type: 'boolean', default: false },
  },
});
const nUsers = Number(args.users);
const nItems = Number(args.items);
const nFactors = Number(args.factors);

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
}

/** ~20 events per user over a skewed (power-law-like) item distribution. */
function syntheticLog(): InteractionTable {
  const user: number[] = [];
  const item: number[] = [];
  const ts: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const n = 2 + Math.floor(-Math.log(1 - random()) * 18);
    for (let e = 0; e < n; e++) {
      user.push(u);
      item.push(Math.floor(nItems * random() ** 3));
      ts.push(e);
    }
  }
  return {
    userIds: Array.from({ length: nUsers }, (_, u) => String(u)),
    itemIds: Array.from({ length: nItems }, (_, i) => String(i)),
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    rating: null,
    ts: Float64Array.from(ts),
  };
}

/** The ALS WASM SIMD scorer over random factors (the ranking work does not depend on the values). */
function alsScorer(): Scorer {
  const model: AlsModel = {
    nUsers,
    nItems,
    factors: nFactors,
    userFactors: Float32Array.from({ length: nUsers * nFactors }, () => random() - 0.5),
    itemFactors: Float32Array.from({ length: nItems * nFactors }, () => random() - 0.5),
  };
  return createAlsScorer(model);
}

const t0 = performance.now();
const log = syntheticLog();
const t1 = performance.now();
const split = splitInteractions(log, { method: 'last1' });
const t2 = performance.now();
const scorer = alsScorer();
const t3 = performance.now();
const cpu0 = process.cpuUsage();
const mainCpu0 = process.threadCpuUsage();
const options = { batchSize: Number(args.batch) };
const result = args.inline ? evaluate(scorer, split, options, silentContext()) : await evaluateInParallel(scorer, split, options, silentContext());
const t4 = performance.now();
const cpu = process.cpuUsage(cpu0);
const mainCpu = process.threadCpuUsage(mainCpu0);

const s = (ms: number) => (ms / 1000).toFixed(2) + ' s';
console.log(
  `users ${nUsers}, items ${nItems}, factors ${nFactors}, batch ${args.batch}, ${args.inline ? 'inline' : 'parallel ranking worker'}, events ${log.user.length}, test users ${result.users.evaluated}`,
);
console.log(`generate log      ${s(t1 - t0)}`);
console.log(`split (last1)     ${s(t2 - t1)}`);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
console.log(`evaluate total    ${s(t4 - t3)} wall; CPU: ${s(cpuMs(mainCpu))} scoring thread, ${s(cpuMs(cpu) - cpuMs(mainCpu))} other threads`);
console.log(`  (on a loaded machine wall time exceeds CPU time; with two free cores, wall ≈ the larger thread CPU time)`);
console.log(`  scoring (ALS WASM kernel)        ${result.seconds.scoring.toFixed(2)} s`);
console.log(
  `  mask + top-100 + metrics         ${result.seconds.ranking.toFixed(2)} s  (${((result.seconds.ranking / result.users.evaluated) * 1e6).toFixed(1)} µs/user)`,
);
console.log(
  `ndcg@10 ${result.metrics['ndcg@10']!.toFixed(4)}, recall@100 ${result.metrics['recall@100']!.toFixed(4)}, coverage@10 ${result.metrics['coverage@10']!.toFixed(4)}`,
);

const dims = Number(args.dims);
const t5 = performance.now();
const itemVectors = Float32Array.from({ length: nItems * dims }, () => random() - 0.5);
const semantic = createSemanticScorer(buildUserProfiles(split.train, split.nUsers, itemVectors, dims), itemVectors, new Uint8Array(nItems).fill(1), dims);
const t6 = performance.now();
const content = args.inline ? evaluate(semantic, split, options, silentContext()) : await evaluateInParallel(semantic, split, options, silentContext());
const t7 = performance.now();
console.log(`semantic stage (${dims} dims): profiles + scorer ${s(t6 - t5)}, evaluate total ${s(t7 - t6)} wall`);
console.log(`  scoring (ALS WASM kernel)        ${content.seconds.scoring.toFixed(2)} s`);
console.log(`  mask + top-100 + metrics         ${content.seconds.ranking.toFixed(2)} s`);
console.log(`peak RSS          ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
