import { forEachNumericChunk, readRow, type Duck } from './duck.ts';
import { EventTally } from './profile.ts';

export interface EncodedCounts {
  interactions: number;
  users: number;
  items: number;
  duplicatesDropped: number;
  /** whether any kept event has a rating (a preparation may drop them, or count repeats into them) */
  hasRating: boolean;
}

/**
 * Turns `ev` into the stored form: `users(idx, user_id)` in order of first event, `items(idx,
 * item_id)` with the catalog's items first (table `catalog_ids`, in catalog order) and then the
 * other items by first event, and `events(user, item, rating, ts)` with one event per (user, item)
 * — the latest, of equal times the later in the file — in no order (the files are written sorted). The
 * collapse is a window (sorted by partition) rather than a grouping: it spills to disk where a
 * grouping of tens of millions of pairs would not fit the memory cap.
 */
export async function encodeEvents(duck: Duck): Promise<EncodedCounts> {
  await duck.conn.run(`
    CREATE OR REPLACE TABLE users AS
      SELECT (row_number() OVER (ORDER BY first) - 1)::INTEGER AS idx, user_id FROM (SELECT user_id, min(pos) AS first FROM ev GROUP BY user_id);
    CREATE OR REPLACE TABLE items AS
      SELECT pos AS idx, id AS item_id FROM catalog_ids
      UNION ALL
      SELECT ((SELECT count(*) FROM catalog_ids) + row_number() OVER (ORDER BY first) - 1)::INTEGER, item_id
      FROM (SELECT item_id, min(pos) AS first FROM ev WHERE item_id NOT IN (SELECT id FROM catalog_ids) GROUP BY item_id);
    CREATE OR REPLACE TABLE events AS
      SELECT u.idx AS "user", i.idx AS item, ev.rating, ev.ts
      FROM ev JOIN users u USING (user_id) JOIN items i USING (item_id)
      QUALIFY row_number() OVER (PARTITION BY u.idx, i.idx ORDER BY ev.ts DESC, ev.pos DESC) = 1;
  `);
  const row = await readRow(
    duck,
    `SELECT (SELECT count(*) FROM events) AS interactions, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM items) AS items, (SELECT count(*) FROM ev) AS raw, (SELECT count(rating) FROM events) AS rated`,
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

/** The profile's sums over `events`, streamed chunk by chunk (memory in users + items, not events). */
export async function tallyEvents(duck: Duck, counts: EncodedCounts, signal?: AbortSignal): Promise<EventTally> {
  const r = await readRow(duck, 'SELECT min(ts) AS t0, max(ts) AS t1, min(rating) AS r0, max(rating) AS r1 FROM events');
  const range = (lo: unknown, hi: unknown) => (lo === null || hi === null ? null : { lo: Number(lo), hi: Number(hi) });
  const tally = new EventTally(counts.users, counts.items, { ts: range(r.t0, r.t1), rating: counts.hasRating ? range(r.r0, r.r1) : null });
  await forEachNumericChunk(
    duck,
    `SELECT "user", item, ts, coalesce(rating, 'NaN'::FLOAT) FROM events`,
    [Int32Array, Int32Array, Float64Array, Float32Array] as const,
    ([user, item, ts, rating]) => tally.add(user, item, ts, counts.hasRating ? rating : null),
    signal,
  );
  return tally;
}
