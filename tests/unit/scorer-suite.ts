import { describe, expect, it } from 'vitest';
import type { Scorer } from '../../main/engine/recsys/scorer.ts';

export interface ScorerUnderTest {
  scorer: Scorer;
  /** valid user indices are 0 .. nUsers-1 */
  nUsers: number;
}

export interface ScorerSuiteOptions {
  /** largest allowed |batch − single| difference per score (default 0: identical rows) */
  tolerance?: number;
}

function scoreAll(scorer: Scorer, users: number[]): Float32Array {
  const out = new Float32Array(users.length * scorer.nItems).fill(NaN);
  scorer.scoreUsers(Int32Array.from(users), out);
  return out;
}

/**
 * Valid users in a scrambled order with repeats, so rows must follow the request order; up to 100
 * more in a run, so that batches cross an implementation's internal blocking (e.g. 64 users).
 */
function sampleUsers(nUsers: number): number[] {
  const picks = [nUsers - 1, 0, Math.floor(nUsers / 2), 0, Math.floor(nUsers / 3), nUsers - 1];
  for (let u = 1; u < Math.min(nUsers, 100); u++) picks.push(u);
  return picks;
}

/**
 * The behaviour every Scorer must have; register it once per implementation:
 *   scorerSuite('popularity count', () => ({ scorer, nUsers }))
 */
export function scorerSuite(name: string, make: () => ScorerUnderTest | Promise<ScorerUnderTest>, options: ScorerSuiteOptions = {}): void {
  const tolerance = options.tolerance ?? 0;

  describe(`Scorer contract: ${name}`, () => {
    it('has a positive item count and at least one user to score', async () => {
      const { scorer, nUsers } = await make();
      expect(Number.isInteger(scorer.nItems) && scorer.nItems > 0).toBe(true);
      expect(nUsers).toBeGreaterThan(0);
    });

    it('fills exactly users.length × nItems values and nothing past them', async () => {
      const { scorer, nUsers } = await make();
      const users = sampleUsers(nUsers);
      const size = users.length * scorer.nItems;
      const buffer = new Float32Array(size + 7).fill(NaN);
      scorer.scoreUsers(Int32Array.from(users), buffer.subarray(0, size));
      expect(buffer.subarray(0, size).some(Number.isNaN)).toBe(false);
      expect(buffer.subarray(size).every(Number.isNaN)).toBe(true);
      expect(() => scorer.scoreUsers(new Int32Array(0), new Float32Array(0))).not.toThrow();
    });

    it('gives finite scores or -Infinity (never NaN or +Infinity)', async () => {
      const { scorer, nUsers } = await make();
      const out = scoreAll(scorer, sampleUsers(nUsers));
      const bad = out.findIndex((v) => !(Number.isFinite(v) || v === -Infinity));
      expect(bad, bad >= 0 ? `score ${out[bad]} at flat index ${bad}` : '').toBe(-1);
    });

    it('is deterministic', async () => {
      const { scorer, nUsers } = await make();
      const users = sampleUsers(nUsers);
      expect(scoreAll(scorer, users)).toEqual(scoreAll(scorer, users));
    });

    it('gives each user the same row alone as in a batch', async () => {
      const { scorer, nUsers } = await make();
      const users = sampleUsers(nUsers);
      const batch = scoreAll(scorer, users);
      const n = scorer.nItems;
      users.forEach((u, r) => {
        const alone = scoreAll(scorer, [u]);
        const row = batch.subarray(r * n, (r + 1) * n);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          if (alone[i] === row[i]) continue;
          worst = Math.max(worst, Math.abs(alone[i]! - row[i]!));
        }
        expect(worst, `user ${u}, batch row ${r}`).toBeLessThanOrEqual(tolerance);
      });
    });
  });
}
