/**
 * The one ranking interface every recommender implements (popularity, ALS, semantic, hybrid).
 * Evaluation and the sandbox only ever talk to a Scorer.
 */
export interface Scorer {
  /** number of catalogue items: every row of scores has this many columns */
  readonly nItems: number;
  /**
   * Writes the scores of `users` (dense user indices) into `out`, row-major,
   * `users.length × nItems`; higher means more relevant. Every value is finite or -Infinity
   * ("never recommend"); rows depend only on the user, not on the batch they come in.
   */
  scoreUsers(users: Int32Array, out: Float32Array): void;
}

/** A Scorer that gives every user the same row of item scores (popularity-style baselines). */
export function createConstantScorer(itemScores: Float32Array): Scorer {
  const nItems = itemScores.length;
  return {
    nItems,
    scoreUsers(users, out) {
      for (let r = 0; r < users.length; r++) out.set(itemScores, r * nItems);
    },
  };
}
