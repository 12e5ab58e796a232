/**
 * Tuning benchmark: a `tune` of ALS (30 trials by default) on the ALS bench's generated log, with
 * timestamps so a validation split can be carved out; prints wall time, seconds per trial, the
 * given settings' and the best trial's validation NDCG@10, and peak RSS.
 *   node tests/bench/tune.bench.ts [--users 50000 --items 20000 --nnz 1800000 --trials 30 --validation-users 5000]
 */
import { parseArgs } from 'node:util';
import { configSchema } from '../../main/engine/config/schema.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { tuneStages } from '../../main/engine/tune/tune.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    items: { type: 'string', default: '20000' },
    nnz: { type: 'string', default: '1800000' },
    trials: { type: 'string', default: '30' },
    'validation-users': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '7' },
  },
});
const nUsers = Number(values.users);
const nItems = Number(values.items);
const target = Number(values.nnz);

/** The ALS bench's skewed log (activity and popularity ranks scattered over the ids), each event a second apart. */
function generate() {
  const rnd = mulberry32(Number(values.seed));
  const perm = (n: number) => {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  };
  const userOf = perm(nUsers);
  const itemOf = perm(nItems);
  const user = new Int32Array(target);
  const item = new Int32Array(target);
  const ts = new Float64Array(target);
  for (let e = 0; e < target; e++) {
    user[e] = userOf[Math.floor(nUsers * rnd() ** 1.6)]!;
    item[e] = itemOf[Math.floor(nItems * rnd() ** 2.5)]!;
    ts[e] = 1_600_000_000 + e;
  }
  return {
    userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
    user,
    item,
    rating: null,
    ts,
  };
}

const table = generate();
const config = configSchema.parse({});
const split = splitInteractions(table, { method: 'last1', seed: config.seed });
console.log(`log: ${nUsers} users x ${nItems} items, ${target} events; training part ${split.train.user.length} events`);
const t0 = performance.now();
const result = await tuneStages(
  split.train,
  { userIds: table.userIds, itemIds: table.itemIds, catalog: null, threads: 2 },
  config,
  { stages: ['als'], trials: Number(values.trials), seconds: null, validationUsers: Number(values['validation-users']) },
  join(mkdtempSync(join(tmpdir(), 'ty-tune-bench-')), 'trials'),
  silentContext(),
);
const wall = (performance.now() - t0) / 1000;
const given = result.trials[0]!;
const best = result.best.als!;
console.log(
  `tune: ${result.trials.length} ALS trials in ${wall.toFixed(1)} s wall (${(wall / result.trials.length).toFixed(2)} s per trial), ${result.validation.users} validation users`,
);
console.log(
  `validation NDCG@10: given settings ${given.ndcg10.toFixed(4)} → best ${best.ndcg10.toFixed(4)} (trial ${best.trial}: ${JSON.stringify(best.params)})`,
);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
