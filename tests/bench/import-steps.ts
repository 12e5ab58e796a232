/**
 * Where a DuckDB import's time goes, and the alternatives measured against it: runs the import's
 * steps as plain statements on the import bench's CSV, in one in-memory DuckDB with the engine's
 * settings (openDuck: 512 MB cap, insertion order kept), and prints each statement's wall seconds
 * and the floor: the sum of the steps every import on DuckDB needs, without keeping one event per pair.
 * Each "collapse" variant joins the dictionaries, keeps one event per (user, item), sorts by user
 * and item and writes Parquet; the result of every variant that keeps the import's rule (latest by
 * time, then by record) is compared with the import's own.
 *   node tests/bench/import-steps.ts [--rows N]   (default 10M)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDuck, readRow, sqlText } from '../../main/engine/data/duck.ts';
import { writeInteractionCsv } from './interaction-csv.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' } } });
const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'trainyard-import-steps-'));
const file = (name: string) => sqlText(join(dir, name));

const read = (types: string) =>
  `read_csv(${file('log.csv')}, delim = ',', quote = '"', escape = '"', header = true, auto_detect = false, strict_mode = true,
    null_padding = false, parallel = true, columns = {'user_id': 'VARCHAR', 'item_id': 'VARCHAR', 'rating': '${types}', 'timestamp': '${types}'})`;
const epoch = (n: string) => `CASE WHEN abs(${n}) < 1e11 THEN ${n} WHEN abs(${n}) < 1e14 THEN ${n} / 1e3 ELSE ${n} / 1e6 END`;
const number = (t: string) => `CASE WHEN NOT contains(${t}, '_') THEN TRY_CAST(${t} AS DOUBLE) END`;
const joined = `SELECT u.idx AS "user", i.idx AS item, ev.rating, ev.ts, ev.rowid AS pos FROM ev JOIN users u USING (user_id) JOIN items i USING (item_id)`;
const parquet = `(FORMAT parquet, COMPRESSION snappy)`;

// [label, statement, what to drop after it (untimed: tables only this step needs would push the
// others over the memory cap), whether it is part of the floor: the least any import on DuckDB does]
const steps: [string, string, string?, 'floor'?][] = [
  [
    'read, typing by cast in the same pass (the import)',
    `CREATE TABLE ev AS SELECT user_id, item_id, CASE WHEN abs(r) <= 3.4e38 THEN r::FLOAT END AS rating, ${epoch('n')} AS ts
      FROM (SELECT user_id, item_id, ${number('rating')} AS r, ${number('timestamp')} AS n FROM ${read('VARCHAR')})`,
    undefined,
    'floor',
  ],
  ['read, every column as text (the src of a where)', `CREATE TABLE src AS SELECT * FROM ${read('VARCHAR')}`],
  [
    'type src with the decimal pattern (the import before 033fb2c)',
    `CREATE TABLE typed AS SELECT CASE WHEN regexp_full_match(trim(rating), '^[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?$')
      THEN TRY_CAST(trim(rating) AS DOUBLE) END AS r, CASE WHEN regexp_full_match(trim(timestamp), '^[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?$')
      THEN TRY_CAST(trim(timestamp) AS DOUBLE) END AS n FROM src`,
    'DROP TABLE src; DROP TABLE typed',
  ],
  [
    'read, rating and timestamp as DOUBLE by read_csv (accepts 1_000)',
    `CREATE TABLE typed_by_csv AS SELECT * FROM ${read('DOUBLE')}`,
    'DROP TABLE typed_by_csv',
  ],
  ['DuckDB read_csv, auto-detected (the bench reference)', `CREATE TABLE reference AS SELECT * FROM read_csv(${file('log.csv')})`, 'DROP TABLE reference'],
  [
    'dictionaries: distinct ids with their first record',
    `CREATE TABLE users AS SELECT (row_number() OVER (ORDER BY first) - 1)::INTEGER AS idx, user_id FROM (SELECT user_id, min(rowid) AS first FROM ev GROUP BY user_id);
     CREATE TABLE items AS SELECT (row_number() OVER (ORDER BY first) - 1)::INTEGER AS idx, item_id FROM (SELECT item_id, min(rowid) AS first FROM ev GROUP BY item_id)`,
    undefined,
    'floor',
  ],
  [
    'collapse by row_number() over (user, item), sort, write (the import)',
    `COPY (SELECT "user", item, rating, ts FROM (${joined}) QUALIFY row_number() OVER (PARTITION BY "user", item ORDER BY ts DESC, pos DESC) = 1
      ORDER BY "user", item) TO ${file('import.parquet')} ${parquet}`,
  ],
  [
    'no collapse: sort and write only (a floor, wrong where pairs repeat)',
    `COPY (SELECT "user", item, rating, ts FROM (${joined}) ORDER BY "user", item) TO ${file('uncollapsed.parquet')} ${parquet}`,
    undefined,
    'floor',
  ],
  [
    'collapse by max(ts) per pair, ties kept (a floor, wrong on ties)',
    `COPY (SELECT "user", item, rating, ts FROM (${joined}) QUALIFY ts = max(ts) OVER (PARTITION BY "user", item) ORDER BY "user", item)
      TO ${file('max-ts.parquet')} ${parquet}`,
  ],
  [
    'two passes, 1: sort by (user, item, ts, record) and write',
    `COPY (SELECT "user", item, rating, ts FROM (${joined}) ORDER BY "user", item, ts, pos) TO ${file('sorted.parquet')} ${parquet}`,
  ],
  [
    'two passes, 2: keep the last of each pair by lead() over () (order kept: documented for OVER ())',
    `COPY (SELECT "user", item, rating, ts FROM read_parquet(${file('sorted.parquet')})
      QUALIFY "user" IS DISTINCT FROM lead("user") OVER () OR item IS DISTINCT FROM lead(item) OVER ()) TO ${file('two-pass.parquet')} ${parquet}`,
  ],
  ['repeated pairs first, 1: group the pairs', `CREATE TABLE repeated AS SELECT user_id, item_id FROM ev GROUP BY user_id, item_id HAVING count(*) > 1`],
  [
    'repeated pairs first, 2: delete all but the latest of them',
    `DELETE FROM ev WHERE rowid IN (SELECT rowid FROM ev SEMI JOIN repeated USING (user_id, item_id)
      QUALIFY row_number() OVER (PARTITION BY user_id, item_id ORDER BY ts DESC, rowid DESC) > 1)`,
  ],
  [
    'repeated pairs first, 3: sort and write',
    `COPY (SELECT "user", item, rating, ts FROM (${joined}) ORDER BY "user", item) TO ${file('grouped-first.parquet')} ${parquet}`,
  ],
];

try {
  await writeInteractionCsv(join(dir, 'log.csv'), rows);
  mkdirSync(join(dir, 'spill'));
  const duck = await openDuck(join(dir, 'spill'));
  try {
    console.log(`${rows} rows; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; seconds wall per statement:`);
    let floor = 0;
    for (const [label, sql, drop, part] of steps) {
      const t0 = performance.now();
      await duck.conn.run(sql);
      const seconds = (performance.now() - t0) / 1e3;
      console.log(`${seconds.toFixed(2).padStart(7)}  ${label}`);
      if (drop) await duck.conn.run(drop);
      if (part) floor += seconds;
    }
    console.log(
      `floor: read, dictionaries, one sort and write without collapsing repeats: ${floor.toFixed(2)} s, ` +
        `${Math.round(rows / floor).toLocaleString('en-US')} rows/s before the fingerprint, the profile and the record`,
    );
    for (const name of ['two-pass.parquet', 'grouped-first.parquet']) {
      const differ = `SELECT count(*) AS n FROM (SELECT * FROM read_parquet(${file(name)}) EXCEPT ALL SELECT * FROM read_parquet(${file('import.parquet')}))`;
      console.log(`${name}: ${Number((await readRow(duck, differ)).n)} rows differ from the import's`);
    }
  } finally {
    duck.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
