import type { MetricDefinition } from '../../common/contracts/runs.ts';

/**
 * What each reported metric means, with its formula: shown on hover in the app and in the CLI's
 * --help. The formulas are those computed in metrics.ts (L = the user's ranked list after the seen
 * filter, T = the user's test items, hit(r) = 1 when L[r] ∈ T).
 */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  { family: 'recall', name: 'Recall@K', formula: 'Σ_{r≤K} hit(r) / |T|', meaning: "share of the user's test items found in the top K" },
  {
    family: 'ndcg',
    name: 'NDCG@K',
    formula: 'Σ_{r≤K} hit(r)/log2(r+1) ÷ Σ_{r≤min(K,|T|)} 1/log2(r+1)',
    meaning: 'hits weighted by how high they are ranked, 1 when the test items fill the top ranks',
  },
  { family: 'precision', name: 'Precision@K', formula: 'Σ_{r≤K} hit(r) / K', meaning: 'share of the K recommendations that are test items' },
  { family: 'map', name: 'MAP@K', formula: 'Σ_{r≤K} hit(r)·Precision@r / min(K, |T|)', meaning: 'average precision at each hit, averaged over users' },
  {
    family: 'mrr',
    name: 'MRR@K',
    formula: '1 / (rank of the first hit ≤ K), 0 without a hit',
    meaning: 'how early the first test item appears',
    sameWithOneTestItem: 'map',
  },
  {
    family: 'hitrate',
    name: 'HitRate@K',
    formula: '1 if any hit(r) for r ≤ K, else 0',
    meaning: 'share of users with at least one test item in the top K',
    sameWithOneTestItem: 'recall',
  },
  {
    family: 'novelty',
    name: 'Novelty@K',
    formula: 'mean over L[1..K] of −log2((training users of i + 1) / (users with training events + 1))',
    meaning: 'how rarely the recommended items occur in training, in bits',
  },
  {
    family: 'ndcg_graded',
    name: 'Graded NDCG@K',
    formula: 'NDCG with the test rating as gain: Σ g(L[r])/log2(r+1) ÷ ideal',
    meaning: 'NDCG that rewards placing the higher-rated test items first',
  },
  {
    family: 'coverage',
    name: 'Coverage@K',
    formula: '|∪_users L[1..K]| / items in the catalogue',
    meaning: "share of the catalogue that appears in someone's top K",
  },
];

/** Under last1 each evaluated user has one test item (|T| = 1), where these families coincide for every user. */
export const EQUAL_WITH_ONE_TEST_ITEM: Readonly<Record<string, string>> = Object.fromEntries(
  METRIC_DEFINITIONS.filter((d) => d.sameWithOneTestItem).map((d) => [d.family, d.sameWithOneTestItem!]),
);

/** The definitions as --help text. */
export function metricHelpText(): string {
  const width = Math.max(...METRIC_DEFINITIONS.map((d) => d.name.length));
  return [
    'Metrics (per user, then averaged over the evaluated users; L = ranked list after the seen filter, T = test items, hit(r) = L[r] ∈ T):',
    ...METRIC_DEFINITIONS.map((d) => `  ${d.name.padEnd(width)}  ${d.formula}\n  ${' '.repeat(width)}  ${d.meaning}`),
    'Under last1 (one test item per user) HitRate@K equals Recall@K and MRR@K equals MAP@K.',
  ].join('\n');
}
