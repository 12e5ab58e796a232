import { HYBRID_CF, type HybridCf } from '../../main/engine/config/schema.ts';
import type { InteractionTable } from '../../main/engine/data/types.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { ALS_DEFAULTS, type AlsModel, createAlsScorer, trainAls } from '../../main/engine/recsys/als/als.ts';
import { createEaseScorer, trainEase } from '../../main/engine/recsys/ease/ease.ts';
import { createItemKnnScorer, knnSettings, trainItemKnn } from '../../main/engine/recsys/itemknn/itemknn.ts';
import { createBlendScorer } from '../../main/engine/recsys/blend.ts';
import { createPopularityScorer, fitBayesPopularity, fitCountPopularity } from '../../main/engine/recsys/popularity.ts';
import type { Scorer } from '../../main/engine/recsys/scorer.ts';
import { buildUserProfiles, createSemanticScorer } from '../../main/engine/recsys/semantic.ts';
import { describe, expect, it } from 'vitest';
import { scorerSuite } from './scorer-suite.ts';

/** 20 users × 15 items, deterministic pseudo-random events with ratings 1..5. */
function syntheticTable(): InteractionTable {
  const user: number[] = [];
  const item: number[] = [];
  const rating: number[] = [];
  const ts: number[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let u = 0; u < 20; u++) {
    for (let e = 0; e < 3 + (u % 5); e++) {
      user.push(u);
      item.push(Math.floor(next() * next() * 15));
      rating.push(1 + Math.floor(next() * 5));
      ts.push(1000 + e * 10 + u);
    }
  }
  return {
    userIds: Array.from({ length: 20 }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: 15 }, (_, i) => `i${i}`),
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    rating: Float32Array.from(rating),
    ts: Float64Array.from(ts),
  };
}

const split = splitInteractions(syntheticTable(), { method: 'last1' });

scorerSuite('popularity count', () => ({ scorer: createPopularityScorer(fitCountPopularity(split)), nUsers: split.nUsers }));
scorerSuite('popularity bayes', () => ({ scorer: createPopularityScorer(fitBayesPopularity(split, { m: 'mean', minRatings: 2 })), nUsers: split.nUsers }));

scorerSuite('als (WASM SIMD kernel)', () => {
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  // 70 users (more than one kernel batch of 64) × 37 items (not a multiple of the 8-item panel), 13 factors
  const model: AlsModel = {
    nUsers: 70,
    nItems: 37,
    factors: 13,
    userFactors: Float32Array.from({ length: 70 * 13 }, next),
    itemFactors: Float32Array.from({ length: 37 * 13 }, next),
  };
  return { scorer: createAlsScorer(model), nUsers: model.nUsers };
});

scorerSuite('itemknn (asymmetric cosine, 4 neighbours)', async () => {
  const model = await trainItemKnn(split.trainCsr, knnSettings({ neighbours: 4, shrink: 2, similarity: 'asymmetric', alpha: 0.7 }), 1, silentContext());
  return { scorer: createItemKnnScorer(model, split.trainCsr), nUsers: split.nUsers };
});

scorerSuite('ease', async () => {
  const model = await trainEase(split.trainCsr, { lambda: 3, maxItems: 100, memoryBudgetMB: 1 }, 1, silentContext());
  return { scorer: createEaseScorer(model, split.trainCsr), nUsers: split.nUsers };
});

/** Item vectors of 6 dimensions, one item (the last) missing from the index, as the semantic stage scores them. */
function semanticScorer(): Scorer {
  const d = 6;
  let seed = 5;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const vectors = Float32Array.from({ length: split.nItems * d }, next);
  const present = Uint8Array.from({ length: split.nItems }, (_, i) => (i === split.nItems - 1 ? 0 : 1));
  return createSemanticScorer(buildUserProfiles(split.train, split.nUsers, vectors, d), vectors, present, d);
}

scorerSuite('semantic (user profiles from item vectors)', () => ({ scorer: semanticScorer(), nUsers: split.nUsers }));

/** Each CF model the hybrid stage can blend (config hybrid.cf), trained on the split. */
const HYBRID_CF_SCORERS: Record<HybridCf, () => Promise<Scorer>> = {
  als: async () => createAlsScorer(await trainAls(split.trainCsr, { ...ALS_DEFAULTS, factors: 4, iterations: 3, threads: 1 }, silentContext())),
  itemknn: async () =>
    createItemKnnScorer(
      await trainItemKnn(split.trainCsr, knnSettings({ neighbours: 4, shrink: 2, similarity: 'cosine', alpha: 0.5 }), 1, silentContext()),
      split.trainCsr,
    ),
  ease: async () => createEaseScorer(await trainEase(split.trainCsr, { lambda: 3, maxItems: 100, memoryBudgetMB: 1 }, 1, silentContext()), split.trainCsr),
};

for (const cf of HYBRID_CF) {
  scorerSuite(`hybrid blend (${cf} with semantic, weight 0.3)`, async () => ({
    scorer: createBlendScorer(await HYBRID_CF_SCORERS[cf](), semanticScorer(), 0.3),
    nUsers: split.nUsers,
  }));
}

describe('hybrid blend', () => {
  /** Each user's items ordered by score (finite ones), best first. */
  const ranking = (scorer: Scorer): number[][] => {
    const users = Int32Array.from({ length: split.nUsers }, (_, u) => u);
    const out = new Float32Array(users.length * scorer.nItems);
    scorer.scoreUsers(users, out);
    return Array.from(users, (_, r) => {
      const row = Array.from(out.subarray(r * scorer.nItems, (r + 1) * scorer.nItems));
      return row
        .map((v, i) => ({ v, i }))
        .filter((x) => Number.isFinite(x.v))
        .sort((a, b) => b.v - a.v || a.i - b.i)
        .map((x) => x.i);
    });
  };

  it.each(HYBRID_CF)('ranks like CF (%s) at weight 1 and like content at weight 0', async (name) => {
    const cf = await HYBRID_CF_SCORERS[name]();
    const content = semanticScorer();
    expect(ranking(createBlendScorer(cf, content, 1))).toEqual(ranking(cf));
    // the last item is not in the content index: content never ranks it, the blend keeps its CF part (0 at weight 0)
    const indexed = (rows: number[][]) => rows.map((r) => r.filter((i) => i !== split.nItems - 1));
    expect(indexed(ranking(createBlendScorer(cf, content, 0)))).toEqual(ranking(content));
    expect(ranking(createBlendScorer(cf, content, 0.5))).not.toEqual(ranking(cf));
  });
});
