import { forEachNumericChunk, readRow, type Duck } from './duck.ts';
import { EventTally, MAX_RATING_VALUES, RATING_BINS, ratingBinWidth } from './profile.ts';

export interface StoredCounts {
  interactions: number;
  users: number;
  items: number;
  duplicatesDropped: number;
  /** whether any kept event has a rating (a preparation may drop them, or count repeats into them) */
  hasRating: boolean;
}

/**
 * `ev_users(user_id, first)` and `ev_items(item_id, first)`: the distinct ids of `ev` and the
 * rowid of each one's first event, built once for the reader's checks and the dictionaries.
 * Whatever deletes from `ev` drops them (DROP_ID_TABLES); encodeEvents builds them when missing.
 */
export async function buildIdTables(duck: Duck): Promise<void> {
  await duck.conn.run(`
    CREATE TABLE IF NOT EXISTS ev_users AS SELECT user_id, min(rowid) AS first FROM ev GROUP BY user_id;
    CREATE TABLE IF NOT EXISTS ev_items AS SELECT item_id, min(rowid) AS first FROM ev GROUP BY item_id;
  `);
}

export const DROP_ID_TABLES = 'DROP TABLE IF EXISTS ev_users; DROP TABLE IF EXISTS ev_items';

/**
 * Turns `ev` into the stored form: `users(idx, user_id)` in order of first event, `items(idx,
 * item_id)` with the catalog's items first (table `catalog_ids`, in catalog order) and then the
 * other items by first event, and the view `events(user, item, rating, ts)` with one event per
 * (user, item) — the latest, of equal times the later record — in no order. A view, so the
 * collapse runs inside the query that sorts the events into their file: as a table it would cost
 * a second sort of every event. The collapse is a window (sorted by partition) rather than a
 * grouping: it spills to disk where a grouping of tens of millions of pairs would not fit the memory cap.
 */
export async function encodeEvents(duck: Duck): Promise<void> {
  await buildIdTables(duck);
  await duck.conn.run(`
    CREATE OR REPLACE TABLE users AS SELECT (row_number() OVER (ORDER BY first) - 1)::INTEGER AS idx, user_id FROM ev_users;
    CREATE OR REPLACE TABLE items AS
      SELECT pos AS idx, id AS item_id FROM catalog_ids
      UNION ALL
      SELECT ((SELECT count(*) FROM catalog_ids) + row_number() OVER (ORDER BY first) - 1)::INTEGER, item_id
      FROM ev_items WHERE item_id NOT IN (SELECT id FROM catalog_ids);
    CREATE OR REPLACE TEMP VIEW events AS
      SELECT u.idx AS "user", i.idx AS item, ev.rating, ev.ts
      FROM ev JOIN users u USING (user_id) JOIN items i USING (item_id)
      QUALIFY row_number() OVER (PARTITION BY u.idx, i.idx ORDER BY ev.ts DESC, ev.rowid DESC) = 1;
  `);
}

/** The counts of `stored`, a relation holding the encoded events once written (their file), against `ev`. */
export async function countStored(duck: Duck, stored: string): Promise<StoredCounts> {
  const row = await readRow(
    duck,
    `SELECT (SELECT count(*) FROM ${stored}) AS interactions, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM items) AS items,
      (SELECT count(*) FROM ev) AS raw, (SELECT count(rating) FROM ${stored}) AS rated`,
  );
  const interactions = Number(row.interactions);
  return {
    interactions,
    users: Number(row.users),
    items: Number(row.items),
    duplicatesDropped: Number(row.raw) - interactions,
    hasRating: Number(row.rated) > 0,
  };
}

/**
 * The profile's sums over `stored` (as countStored), grouped in SQL: memory in users, items, days
 * and rating values, not in events, so a log of any length is profiled in bounded memory.
 */
export async function tallyEvents(duck: Duck, stored: string, counts: StoredCounts, signal?: AbortSignal): Promise<EventTally> {
  const r = await readRow(duck, `SELECT min(ts) AS t0, max(ts) AS t1, min(rating) AS r0, max(rating) AS r1 FROM ${stored}`);
  const range = (lo: unknown, hi: unknown) => (lo === null || hi === null ? null : { lo: Number(lo), hi: Number(hi) });
  const ratings = counts.hasRating ? range(r.r0, r.r1) : null;
  const tally = new EventTally(counts.users, counts.items, { ts: range(r.t0, r.t1), rating: ratings });
  const grouped = (key: string, add: (keys: Float64Array, counts: Int32Array) => void, where = 'true') =>
    forEachNumericChunk(
      duck,
      `SELECT (${key})::DOUBLE AS k, count(*)::INTEGER FROM ${stored} WHERE ${where} GROUP BY k`,
      [Float64Array, Int32Array] as const,
      ([keys, n]) => add(keys, n),
      signal,
    );
  await grouped('"user"', (k, n) => tally.countUsers(k, n));
  await grouped('item', (k, n) => tally.countItems(k, n));
  await grouped('floor(ts / 86400)', (k, n) => tally.countDays(k, n));
  if (!ratings) return tally;
  // each value while there are few (HyperLogLog's estimate rules out many cheaply), bins otherwise
  const estimate = Number((await readRow(duck, `SELECT approx_count_distinct(rating) AS n FROM ${stored}`)).n);
  const values = estimate <= 2 * MAX_RATING_VALUES ? Number((await readRow(duck, `SELECT count(DISTINCT rating) AS n FROM ${stored}`)).n) : Infinity;
  if (values <= MAX_RATING_VALUES) await grouped('rating', (k, n) => tally.countRatingValues(k, n), 'rating IS NOT NULL');
  else {
    const bin = `least(${RATING_BINS - 1}, floor((rating - ${ratings.lo}) / ${ratingBinWidth(ratings)}))`;
    await grouped(bin, (k, n) => tally.countRatingBins(k, n), 'rating IS NOT NULL');
  }
  return tally;
}
