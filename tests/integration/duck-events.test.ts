import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { readEventsTable } from '../../main/engine/data/duck-events.ts';
import { openDuck, readNumericColumns, readTextColumn, sqlText } from '../../main/engine/data/duck.ts';
import { countStored, encodeEvents } from '../../main/engine/data/encode-events.ts';
import { readInteractions } from '../../main/engine/data/read-interactions.ts';

// DuckDB reads clean files itself and hands anything its checks do not accept to the line reader:
// both must give the same events, and every refusal must be the line reader's own message.

const fixture = (p: string) => join(import.meta.dirname, '../fixtures/data', p);
const dir = mkdtempSync(join(tmpdir(), 'ty-duck-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function viaDuck(path: string, catalogIds?: string[]) {
  const duck = await openDuck();
  try {
    const source = await readEventsTable(duck, path, catalogIds ? { catalogIds } : {}, silentContext());
    await encodeEvents(duck);
    const counts = await countStored(duck, 'events');
    const [user, item, ts, rating] = await readNumericColumns(
      duck,
      `SELECT "user", item, ts, coalesce(rating, 'NaN'::FLOAT) FROM events ORDER BY "user", item`,
      counts.interactions,
      [Int32Array, Int32Array, Float64Array, Float32Array] as const,
    );
    const userIds = await readTextColumn(duck, 'SELECT user_id FROM users ORDER BY idx');
    const itemIds = await readTextColumn(duck, 'SELECT item_id FROM items ORDER BY idx');
    return { source, counts, table: { userIds, itemIds, user, item, ts, rating: counts.hasRating ? rating : null } };
  } finally {
    duck.close();
  }
}

async function expectSame(path: string, fastPath: boolean, catalogIds?: string[]) {
  const reference = await readInteractions(path, catalogIds ? { catalogIds } : {}, silentContext());
  const { source, counts, table } = await viaDuck(path, catalogIds);
  expect(source.readByDuckDB).toBe(fastPath);
  expect(table.userIds).toEqual(reference.userIds);
  expect(table.itemIds).toEqual(reference.itemIds);
  expect(Array.from(table.user)).toEqual(Array.from(reference.user));
  expect(Array.from(table.item)).toEqual(Array.from(reference.item));
  expect(Array.from(table.ts)).toEqual(Array.from(reference.ts));
  expect(table.rating && Array.from(table.rating)).toEqual(reference.rating && Array.from(reference.rating));
  expect({ rows: source.rowsRead, unknown: source.unknownItems, examples: source.unknownExamples, warnings: source.warnings, columns: source.columns }).toEqual(
    {
      rows: reference.rowsRead,
      unknown: reference.unknownItems,
      examples: reference.unknownExamples,
      warnings: reference.warnings,
      columns: reference.columns,
    },
  );
  expect(counts.duplicatesDropped).toBe(reference.duplicatesDropped);
}

async function expectSameRefusal(path: string) {
  const reference = await readInteractions(path, {}, silentContext()).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(reference).not.toBeNull();
  const duck = await openDuck();
  try {
    await expect(readEventsTable(duck, path, {}, silentContext())).rejects.toThrow(reference!.message);
  } finally {
    duck.close();
  }
}

describe('the DuckDB reader gives the line reader’s events', () => {
  it.each([
    ['good/duplicates.csv', true],
    ['good/ratings-bom-crlf.csv', true],
    ['good/ratings-pipe.txt', true],
    ['good/ratings-semicolon.csv', true],
    ['good/ratings.tsv', true],
    ['good/ml-100k/u.data', true],
    ['good/ml-1m/ratings.dat', true],
    ['good/ml-latest/ratings.csv', true],
    ['good/events.jsonl', true],
  ])('%s', async (name, fast) => {
    await expectSame(fixture(name), fast);
  });

  it('drops items outside the catalog as the line reader does', async () => {
    await expectSame(fixture('good/with-unknown.csv'), true, ['i2', 'i1', 'i9']);
  });

  it('reads epoch units, ISO dates with zones and fractions, quoted fields and blank lines the same way', async () => {
    const path = file(
      'mixed.csv',
      [
        'user_id,item_id,rating,timestamp',
        'u1,i1,4,1700000000',
        'u1,i2,3.5,1700000000123',
        'u2,"i,3",5,1700000000123456',
        'u2,i1,1,2024-05-01T12:00:00Z',
        '',
        'u3,i2,2, 2024-05-01 12:00:00.98765+0200 ',
        'u3,i4,2,2024-05-01T12:00-05:00',
        'u3,"i 5",1e0,2024-05-01',
        'u4,i1,+2,.5e10',
        'u4,i1,3,2024-02-29T23:59:59z',
      ].join('\n') + '\n',
    );
    await expectSame(path, true);
  });

  it('reads a future timestamp with the warning naming its line, past quoted line breaks', async () => {
    const path = file('future.csv', 'user_id,item_id,note,timestamp\nu1,i1,"a\nb",1700000000\nu2,i2,,32503680000\nu3,i3,x,32503680001\n');
    await expectSame(path, true);
  });

  it('reads numbers with spaces around them as the line reader does, and hands it those only it reads', async () => {
    await expectSame(file('tabbed.csv', 'user_id,item_id,rating,timestamp\nu1,i1, 4 ,\t1700000000\n'), true);
    // JavaScript's trim takes a no-break space too; DuckDB's cast does not
    await expectSame(file('nbsp.csv', 'user_id,item_id,timestamp\nu1,i1,\u00a01700000000\n'), false);
  });

  it('reads JSON lines: strings, numbers, nulls, missing keys and nested values as the line reader does', async () => {
    const rows = [
      { user: 'u1', item: 7, rating: 4.5, ts: 1700000000, note: { a: [1, 'x'] } },
      { user: 'u2', item: 'i 8', rating: 2, ts: '2023-11-14T22:13:20Z', note: null },
      { user: 'u1', item: 8, rating: 5, ts: 1.7000005e9 },
      { item: 9, user: 'u3', rating: 1, ts: 1700000600, note: true },
    ];
    await expectSame(file('events.jsonl', rows.map((r) => JSON.stringify(r)).join('\n\n') + '\n'), true);
    // an id JavaScript writes differently (7.5 stays, 1e21 becomes 1e+21) goes to the line reader
    await expectSame(file('float-ids.jsonl', '{"user": "u1", "item": 1e21, "ts": 1700000000}\n'), false);
  });

  it('reads Parquet with integer ids and timestamp columns, and leaves floating-point ids to the line reader', async () => {
    const duck = await openDuck();
    const typed = join(dir, 'typed.parquet');
    const floats = join(dir, 'floats.parquet');
    await duck.conn.run(`COPY (SELECT (range % 7)::BIGINT AS user_id, (range % 5)::INTEGER AS item_id, (range % 5 + 0.5)::DOUBLE AS rating,
      TIMESTAMP '2024-01-01 00:00:00' + to_seconds(range * 3600) AS timestamp FROM range(40)) TO ${sqlText(typed)} (FORMAT parquet)`);
    await duck.conn.run(`COPY (SELECT (range % 7)::DOUBLE AS user_id, (range % 5)::INTEGER AS item_id, 1700000000 + range AS timestamp FROM range(40))
      TO ${sqlText(floats)} (FORMAT parquet)`);
    duck.close();
    await expectSame(typed, true);
    await expectSame(floats, false);
  });
});

describe('every refusal is the line reader’s message', () => {
  it.each([
    'bad/bad-rating.csv',
    'bad/bad-timestamp.csv',
    'bad/empty-item.csv',
    'bad/short-row.csv',
    'bad/unclosed-quote.csv',
    'bad/header-only.csv',
    'bad/latin1.csv',
    'bad/not-json.jsonl',
  ])('%s', async (name) => {
    await expectSameRefusal(fixture(name));
  });

  it.each([
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['a leap second', '2024-05-01T23:59:60Z'],
    ['February 30', '2023-02-30'],
    ['an empty timestamp', ''],
    ['year 10000 and later in microseconds', '100000000000000000000'],
  ])('%s', async (label, ts) => {
    await expectSameRefusal(file(`${label.replace(/\W/g, '-')}.csv`, `user_id,item_id,timestamp\nu1,i1,1700000000\nu2,i2,${ts}\n`));
  });

  it('a control character in an id, and a rating beyond float range', async () => {
    await expectSameRefusal(file('control.csv', 'user_id,item_id,timestamp\nu1,i\u00071,1700000000\n'));
    await expectSameRefusal(file('huge.csv', 'user_id,item_id,rating,timestamp\nu1,i1,1e39,1700000000\n'));
  });

  it.each([
    ['a rating of inf', 'inf', '1700000000'],
    ['a rating of nan', 'nan', '1700000000'],
    ['a rating with a digit separator', '4_0', '1700000000'],
    ['a timestamp of infinity', '4', 'Infinity'],
    ['a timestamp with digit separators', '4', '1_700_000_000'],
  ])('%s, which DuckDB reads as a number and the line reader does not', async (label, rating, ts) => {
    await expectSameRefusal(file(`${label.replace(/\W/g, '-')}.csv`, `user_id,item_id,rating,timestamp\nu1,i1,4,1700000000\nu2,i2,${rating},${ts}\n`));
  });
});
