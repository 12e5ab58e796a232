import type { InteractionTable } from '../../main/engine/data/types.ts';
import { splitInteractions } from '../../main/engine/eval/split.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { type AlsModel, createAlsScorer } from '../../main/engine/recsys/als.ts';
import { createEaseScorer, trainEase } from '../../main/engine/recsys/ease.ts';
import { createItemKnnScorer, knnSettings, trainItemKnn } from '../../main/engine/recsys/itemknn.ts';
import { createPopularityScorer, fitBayesPopularity, fitCountPopularity } from '../../main/engine/recsys/popularity.ts';
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
