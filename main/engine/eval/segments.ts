import type { Split } from './split.ts';

/**
 * Users grouped by training activity = number of distinct training items. Thresholds are the
 * tertiles of that count over the evaluated (test) users: with counts sorted ascending,
 * t1 = value at position ⌈n/3⌉ and t2 = value at position ⌈2n/3⌉ (1-based);
 * light: count ≤ t1, medium: t1 < count ≤ t2, heavy: count > t2. With many equal counts the
 * groups are uneven (a group may be empty) rather than splitting users with equal activity.
 */
export const SEGMENTS = ['light', 'medium', 'heavy'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface ActivitySegments {
  /** distinct training items per test user, aligned with split.test.users */
  nTrain: Int32Array;
  /** index into SEGMENTS per test user */
  segment: Uint8Array;
  thresholds: { light: number; medium: number };
}

export function activitySegments(split: Split): ActivitySegments {
  const { users } = split.test;
  const { indptr } = split.trainCsr;
  const n = users.length;
  const nTrain = new Int32Array(n);
  for (let t = 0; t < n; t++) nTrain[t] = indptr[users[t]! + 1]! - indptr[users[t]!]!;
  const sorted = nTrain.slice().sort();
  const light = n === 0 ? 0 : sorted[Math.ceil(n / 3) - 1]!;
  const medium = n === 0 ? 0 : sorted[Math.ceil((2 * n) / 3) - 1]!;
  const segment = new Uint8Array(n);
  for (let t = 0; t < n; t++) segment[t] = nTrain[t]! <= light ? 0 : nTrain[t]! <= medium ? 1 : 2;
  return { nTrain, segment, thresholds: { light, medium } };
}
