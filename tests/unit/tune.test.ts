import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../main/engine/config/schema.ts';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { stageByName, type StageInput } from '../../main/engine/recsys/stages.ts';
import { fromUnit, SEARCH_SPACES, toUnit } from '../../main/engine/tune/space.ts';
import { suggest, type Observation } from '../../main/engine/tune/tpe.ts';
import { tuneStages } from '../../main/engine/tune/tune.ts';

afterEach(() => vi.restoreAllMocks());

/** Users of group g mostly pick items of group g, one event a day. */
function plantedLog(nUsers = 240, events = 14): InteractionTable {
  const rand = mulberry32(7);
  const user: number[] = [];
  const item: number[] = [];
  const ts: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let e = 0; e < events; e++) {
      const g = rand() < 0.85 ? u % 4 : Math.floor(rand() * 4);
      user.push(u);
      item.push(g * 30 + Math.floor(rand() ** 2 * 30));
      ts.push(1_600_000_000 + e * 86_400 + u);
    }
  }
  return {
    userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: 120 }, (_, i) => `i${i}`),
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    rating: null,
    ts: Float64Array.from(ts),
  };
}

describe('search space', () => {
  it('maps the unit interval onto log and linear ranges and back', () => {
    const [factors, regularization, , iterations] = SEARCH_SPACES.als!;
    expect(fromUnit(factors!, 0)).toBe(8);
    expect(fromUnit(factors!, 1)).toBe(256);
    expect(fromUnit(factors!, 0.5)).toBe(45); // geometric middle of 8 and 256
    expect(fromUnit(iterations!, 0.5)).toBe(18);
    expect(fromUnit(regularization!, toUnit(regularization!, 0.01))).toBeCloseTo(0.01, 6);
  });

  it("covers every stage with numeric params, each range a key of that stage's config", () => {
    const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    expect(Object.keys(SEARCH_SPACES).sort()).toEqual(['als', 'ease', 'itemknn']);
    for (const [stage, ranges] of Object.entries(SEARCH_SPACES)) {
      for (const r of ranges) expect(typeof defaults[stage]![r.key], `${stage}.${r.key}`).toBe('number');
    }
  });
});

describe('TPE sampler', () => {
  it('converges on the optimum of a smooth function far better than its random start', () => {
    const f = (p: number[]) => -((p[0]! - 0.3) ** 2) - (p[1]! - 0.7) ** 2;
    const rand = mulberry32(11);
    const history: Observation[] = [];
    for (let t = 0; t < 40; t++) {
      const point = suggest(2, history, rand);
      history.push({ point, score: f(point) });
    }
    const bestOf = (h: Observation[]) => Math.max(...h.map((o) => o.score));
    expect(bestOf(history)).toBeGreaterThan(-0.003);
    expect(bestOf(history)).toBeGreaterThan(bestOf(history.slice(0, 5)));
  });
});

describe('tuneStages', () => {
  it('never sees the test part, starts from the given settings, and keeps the best on validation', async () => {
    const table = plantedLog();
    const config = configSchema.parse({ als: { factors: 16, iterations: 4, regularization: 0.01, alpha: 40 } });
    const split = splitInteractions(table, { method: 'last1', seed: config.seed });
    const testEvents = new Set(Array.from(split.testLog.user, (u, k) => `${u}:${split.testLog.item[k]}:${split.testLog.ts[k]}`));
    const trainEvents = new Set(Array.from(split.train.user, (u, k) => `${u}:${split.train.item[k]}:${split.train.ts[k]}`));
    const als = stageByName('als');
    const seen: StageInput[] = [];
    const original = als.train.bind(als);
    vi.spyOn(als, 'train').mockImplementation((input, dir, ctx) => {
      seen.push(input);
      return original(input, dir, ctx);
    });
    const workDir = join(mkdtempSync(join(tmpdir(), 'ty-tune-')), 'trials');
    const result = await tuneStages(
      split.train,
      { userIds: table.userIds, itemIds: table.itemIds, catalog: null, threads: 1 },
      config,
      { stages: ['als'], trials: 4, seconds: null, validationUsers: 5000 },
      workDir,
      silentContext(),
    );

    expect(seen).toHaveLength(4);
    for (const input of seen) {
      const s = input.split!;
      for (const events of [s.train, s.testLog]) {
        for (let k = 0; k < events.user.length; k++) {
          const key = `${events.user[k]}:${events.item[k]}:${events.ts[k]}`;
          expect(trainEvents.has(key)).toBe(true);
          expect(testEvents.has(key)).toBe(false);
        }
      }
    }
    // users whose validation item repeats an earlier one are not scored, as in the run's own split
    expect(result.validation.users).toBeGreaterThan(100);
    expect(result.validation.users).toBeLessThanOrEqual(240);
    expect(result.trials.map((t) => t.trial)).toEqual([1, 2, 3, 4]);
    expect(result.trials[0]!.params).toEqual({ factors: 16, regularization: 0.01, alpha: 40, iterations: 4 });
    const best = result.best.als!;
    expect(best.ndcg10).toBe(Math.max(...result.trials.map((t) => t.ndcg10)));
    expect(best.ndcg10).toBeGreaterThanOrEqual(result.trials[0]!.ndcg10);
    expect(existsSync(workDir)).toBe(false);
  });

  it('stops starting trials at the time limit, and refuses stages it cannot tune', async () => {
    const table = plantedLog(60, 6);
    const config = configSchema.parse({ als: { factors: 4, iterations: 2 } });
    const split = splitInteractions(table, { method: 'last1', seed: config.seed });
    const base = { userIds: table.userIds, itemIds: table.itemIds, catalog: null, threads: 1 };
    const dir = mkdtempSync(join(tmpdir(), 'ty-tune-'));
    const limited = await tuneStages(
      split.train,
      base,
      config,
      { stages: ['als'], trials: 50, seconds: 1e-6, validationUsers: 100 },
      join(dir, 'a'),
      silentContext(),
    );
    expect(limited.trials).toHaveLength(1);
    expect(limited.stoppedEarly).toMatch(/time limit/);
    await expect(
      tuneStages(split.train, base, config, { stages: ['popularity'], trials: 2, seconds: null, validationUsers: 100 }, join(dir, 'b'), silentContext()),
    ).rejects.toThrow(/no parameters to tune/);
  });
});
