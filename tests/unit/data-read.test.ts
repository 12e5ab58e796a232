import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../main/common/contracts/errors.ts';
import { interactionColumns } from '../../main/engine/data/columns.ts';
import { detectLayout } from '../../main/engine/data/layout.ts';
import { readCatalog } from '../../main/engine/data/read-catalog.ts';
import { latestPerUserItem, readInteractions, type ParsedInteractions } from '../../main/engine/data/read-interactions.ts';
import { scanDelimitedEvents } from '../../main/engine/data/scan-interactions.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { rejection } from '../support/engine-error.ts';

const fixture = (p: string) => join(import.meta.dirname, '../fixtures/data', p);
const ctx = silentContext();
const root = mkdtempSync(join(tmpdir(), 'ty-read-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** A fresh folder under this file's temp root. */
let folders = 0;
const tempDir = (name: string) => {
  const dir = join(root, `${name}-${folders++}`);
  mkdirSync(dir);
  return dir;
};
const iso = (s: string) => Date.parse(s) / 1e3;

/** Events as tuples, in the table's order (user index, then item index). */
function events(t: ParsedInteractions): [string, string, number | null, number][] {
  return Array.from(t.user, (u, k) => [t.userIds[u]!, t.itemIds[t.item[k]!]!, t.rating ? t.rating[k]! : null, t.ts[k]!]);
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await rejection(p);
  expect(err.kind).toBe('invalid-input');
  return err;
}

describe('readInteractions: layouts', () => {
  it('reads a comma file with BOM, CRLF, quoted fields and ISO dates, keeping the latest duplicate', async () => {
    const t = await readInteractions(fixture('good/ratings-bom-crlf.csv'), {}, ctx);
    expect(t.layout).toBe('csv');
    expect(t.columns).toEqual(['userId', 'movieId', 'rating', 'timestamp']);
    // u1,i1 at 2024-01-05T00:00+02:00 (= 2024-01-04T22:00Z) is the latest of the pair and replaces line 2
    expect(events(t)).toEqual([
      ['u1', 'i1', 2, iso('2024-01-04T22:00:00Z')],
      ['u1', 'i2', 3.5, iso('2024-01-02T00:00:00Z')],
      ['u2', 'i1', 5, iso('2024-01-03T08:30:00Z')],
    ]);
    expect(t.duplicatesDropped).toBe(1);
  });

  it('sniffs semicolons and reads epoch seconds and milliseconds', async () => {
    const t = await readInteractions(fixture('good/ratings-semicolon.csv'), {}, ctx);
    expect(t.layout).toBe('csv (;)');
    expect(events(t)).toEqual([
      ['c1', 's1', 1, 1700000000],
      ['c1', 's2', 3, 1700000200],
      ['c2', 's2', 2, 1700000100],
    ]);
  });

  it('sniffs pipes', async () => {
    const t = await readInteractions(fixture('good/ratings-pipe.txt'), {}, ctx);
    expect(t.layout).toBe('csv (|)');
    expect(events(t)).toEqual([
      ['a', 'x', 1, 1700000000],
      ['b', 'y', 0.5, 1700000300],
    ]);
  });

  it('sniffs tabs despite commas and semicolons in a text column; no rating column gives null ratings', async () => {
    const t = await readInteractions(fixture('good/ratings.tsv'), {}, ctx);
    expect(t.layout).toBe('tsv');
    expect(t.rating).toBeNull();
    expect(events(t)).toEqual([
      ['u1', 'i1', null, 1700000000],
      ['u2', 'i1', null, 1700000200],
      ['u2', 'i2', null, 1700000100],
    ]);
  });

  it('reads JSON lines, skipping blank lines', async () => {
    const t = await readInteractions(fixture('good/events.jsonl'), {}, ctx);
    expect(t.layout).toBe('jsonl');
    expect(events(t)).toEqual([
      ['u1', '7', 4, 1700000000],
      ['u1', '8', 5, 1700000500],
      ['u2', '8', 2, 1700000000],
    ]);
  });

  it('reads Parquet through hyparquet', async () => {
    const dir = tempDir('parquet');
    const path = join(dir, 'events.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'customer_id', data: ['a', 'b', 'a'] },
        { name: 'product_id', data: [10, 11, 11], type: 'INT32' },
        { name: 'event_time', data: [new Date('2024-03-01T00:00:00Z'), new Date('2024-03-02T00:00:00Z'), new Date('2024-03-03T00:00:00Z')], type: 'TIMESTAMP' },
      ],
    });
    const t = await readInteractions(path, {}, ctx);
    expect(t.layout).toBe('parquet');
    expect(events(t)).toEqual([
      ['a', '10', null, iso('2024-03-01T00:00:00Z')],
      ['a', '11', null, iso('2024-03-03T00:00:00Z')],
      ['b', '11', null, iso('2024-03-02T00:00:00Z')],
    ]);
  });

  it('reads MovieLens u.data, ratings.dat and ml-latest ratings.csv', async () => {
    const u = await readInteractions(fixture('good/ml-100k/u.data'), {}, ctx);
    expect(u.layout).toBe('MovieLens u.data');
    expect(events(u)).toEqual([
      ['196', '242', 3, 881250949],
      ['196', '302', 4, 881251000],
      ['186', '302', 3, 891717742],
    ]);
    const dat = await readInteractions(fixture('good/ml-1m/ratings.dat'), {}, ctx);
    expect(dat.layout).toBe('MovieLens ratings.dat');
    expect(events(dat)[0]).toEqual(['1', '1193', 5, 978300760]);
    const latest = await readInteractions(fixture('good/ml-latest/ratings.csv'), {}, ctx);
    expect(events(latest)).toEqual([
      ['1', '1', 4, 964982703],
      ['1', '3', 4, 964981247],
      ['2', '1', 3.5, 1445714835],
    ]);
  });

  it('takes a manual mapping over detection', async () => {
    const dir = tempDir('map');
    const path = join(dir, 'odd.csv');
    writeFileSync(path, 'who,what,when,rating,stars\nann,tea,1700000000,1,5\n');
    const t = await readInteractions(path, { map: { user: 'who', item: 'what', ts: 'when', rating: 'stars' } }, ctx);
    expect(events(t)).toEqual([['ann', 'tea', 5, 1700000000]]);
  });
});

describe('readInteractions: with a catalog', () => {
  it('drops events of unknown items, counts them and keeps examples; catalog items come first', async () => {
    const t = await readInteractions(fixture('good/with-unknown.csv'), { catalogIds: ['i2', 'i1', 'i9'] }, ctx);
    expect(t.itemIds).toEqual(['i2', 'i1', 'i9']);
    expect(t.unknownItems).toBe(3);
    expect(t.unknownExamples).toEqual(['zz9', 'zz8']);
    expect(events(t)).toEqual([
      ['u1', 'i1', 4, 1700000000],
      ['u2', 'i2', 3, 1700000002],
    ]);
  });

  it('keeps the latest event per (user, item); equal times keep the later row', async () => {
    const t = await readInteractions(fixture('good/duplicates.csv'), {}, ctx);
    expect(t.duplicatesDropped).toBe(3);
    expect(events(t)).toEqual([
      ['u1', 'i1', 5, 1700000300],
      ['u2', 'i1', 4, 1700000000],
      ['u2', 'i2', 4, 1700000050],
    ]);
  });
});

describe('readInteractions: the byte-level fast path', () => {
  it('reads exactly what the general reader reads', async () => {
    const dir = tempDir('fast');
    const event = fc.record({
      user: fc.constantFrom('u1', 'u2', 'ü3', 'user-4', 'a,b', ''),
      item: fc.constantFrom('a', 'b', 'c', 'd', 'é', 'x;y'),
      rating: fc.oneof(fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom('4.5', '0.25', '3.', '1e1', 'x')),
      ts: fc.oneof(
        fc.integer({ min: 0, max: 2e9 }).map(String),
        fc.constantFrom('1700000000123', '2024-02-03', '2024-02-03T04:05:06Z', '1.5', '32503680000', '2999-01-01', '2023-02-30'),
      ),
      quote: fc.boolean(),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 40 }), fc.constantFrom(',', ';', '\t', '|'), fc.boolean(), async (rows, d, withCatalog) => {
        // the fast path reads simply quoted fields; an escaped quote in an unused column sends the file to the general reader
        const field = (v: string, quote: boolean) => (quote || v.includes(d) ? `"${v}"` : v);
        const line = (r: (typeof rows)[number], note: string) => [field(r.user, r.quote), field(r.item, false), r.rating, field(r.ts, r.quote), note].join(d);
        const header = ['user_id', 'item_id', 'rating', 'timestamp', 'note'].join(d);
        const fast = join(dir, `fast-${run}.csv`);
        const general = join(dir, `general-${run++}.csv`);
        writeFileSync(fast, [header, ...rows.map((r) => line(r, 'ok'))].join('\r\n') + '\n');
        writeFileSync(general, [header, ...rows.map((r, k) => line(r, k === 0 ? '"say ""hi"""' : 'ok'))].join('\r\n') + '\n');
        const opts = withCatalog ? { catalogIds: ['b', 'é', 'z'] } : {};
        const outcome = (path: string) =>
          readInteractions(path, opts, ctx).then(
            (t) => ({ ...t, layout: '', warnings: t.warnings.map((w) => ({ ...w, file: '', message: w.message.replace(/(fast|general)-\d+\.csv/, 'file') })) }),
            (e: unknown) => (e as Error).message.replace(/(fast|general)-\d+\.csv/, 'file'),
          );
        expect(await outcome(fast)).toEqual(await outcome(general));
      }),
      { numRuns: 100 },
    );
  });

  it('takes simply quoted fields and hands anything else to the general reader', async () => {
    const dir = tempDir('fast');
    const scan = async (text: string) => {
      const path = join(dir, `f${text.length}.csv`);
      writeFileSync(path, 'user_id,item_id,timestamp,note\n' + text);
      const layout = await detectLayout(path);
      if (layout.kind !== 'delimited') throw new Error('expected delimited text');
      return scanDelimitedEvents(path, layout, interactionColumns(path, ['user_id', 'item_id', 'timestamp', 'note']), undefined, ctx);
    };
    const quoted = await scan('"u,1","i1","1700000000",plain\nu2,i2,"1700000001",\n');
    expect(quoted).toMatchObject({ n: 2, userIds: ['u,1', 'u2'], itemIds: ['i1', 'i2'] });
    expect(await scan('u1,i1,1700000000,"say ""hi"""\n')).toBeNull();
    expect(await scan('u1,i1,1700000000,"two\nlines"\n')).toBeNull();
    expect(await scan('u1,"i""1",1700000000,x\n')).toBeNull();
    expect(await scan('u1,i1\n')).toBeNull();
    expect(await scan('u1,,1700000000,x\n')).toBeNull();
    expect(await scan('u1,i1,later,x\n')).toBeNull();
  });
});

describe('latestPerUserItem', () => {
  it('keeps the latest event per pair, ordered by user then item, across multi-digit radix passes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(6), fc.nat(3)), { minLength: 1, maxLength: 300 }), fc.constantFrom(3, 5000, 3_000_000), (raw, spread) => {
        // spread the small generated indices over a large id space so several 11-bit digits are used
        const users = raw.map(([u]) => u * spread + 1);
        const items = raw.map(([, i]) => i * spread * 2 + 2);
        const ts = raw.map(([, , t]) => t);
        const nUsers = Math.max(...users) + 1;
        const nItems = Math.max(...items) + 1;
        const got = latestPerUserItem({
          n: raw.length,
          userIds: new Array<string>(nUsers),
          itemIds: new Array<string>(nItems),
          user: Int32Array.from([...users, 0]),
          item: Int32Array.from([...items, 0]),
          ts: Float64Array.from([...ts, 0]),
          rating: Float32Array.from([...raw.keys(), -1]),
          unknownItems: 0,
          unknownExamples: [],
          future: null,
        });
        const latest = new Map<string, { user: number; item: number; ts: number; row: number }>();
        raw.forEach((_, k) => {
          const key = `${users[k]} ${items[k]}`;
          const seen = latest.get(key);
          if (!seen || ts[k]! >= seen.ts) latest.set(key, { user: users[k]!, item: items[k]!, ts: ts[k]!, row: k });
        });
        const want = [...latest.values()].sort((a, b) => a.user - b.user || a.item - b.item);
        expect(Array.from(got.user)).toEqual(want.map((e) => e.user));
        expect(Array.from(got.item)).toEqual(want.map((e) => e.item));
        expect(Array.from(got.ts)).toEqual(want.map((e) => e.ts));
        expect(Array.from(got.rating!)).toEqual(want.map((e) => e.row));
      }),
      { numRuns: 100 },
    );
  });
});

describe('readInteractions: bad input', () => {
  it('names the columns found and suggests --map when required columns are missing', async () => {
    const e = await failure(readInteractions(fixture('bad/missing-columns.csv'), {}, ctx));
    expect(e.message).toMatch(/no column for user, item, ts/);
    expect(e.message).toMatch(/columns found: who, what, stars/);
    // the advice is the hint, once: the CLI prints it, the app asks for the columns in its own words
    expect(e.message).not.toMatch(/--map/);
    expect(e.details).toMatchObject({ line: 1, field: 'user', missing: ['user', 'item', 'ts'], hint: '--map user=<column> item=<column> ts=<column>' });
  });

  it('rejects a mapping to a column that does not exist', async () => {
    const e = await failure(readInteractions(fixture('good/ratings-pipe.txt'), { map: { user: 'nobody' } }, ctx));
    expect(e.message).toMatch(/mapped column "nobody".*columns found: user, item, value, ts/);
  });

  it('reports an unparsable timestamp with file, line and column', async () => {
    const e = await failure(readInteractions(fixture('bad/bad-timestamp.csv'), {}, ctx));
    expect(e.message).toMatch(/^bad-timestamp\.csv line 3, column "timestamp": cannot read timestamp "yesterday"/);
    expect(e.details).toMatchObject({ line: 3, column: 'timestamp' });
  });

  it('reports an unparsable rating with file, line and column', async () => {
    const e = await failure(readInteractions(fixture('bad/bad-rating.csv'), {}, ctx));
    expect(e.message).toMatch(/^bad-rating\.csv line 4, column "rating": cannot read rating "five"/);
  });

  it('rejects an empty file and a header without rows', async () => {
    expect((await failure(readInteractions(fixture('bad/empty.csv'), {}, ctx))).message).toMatch(/empty\.csv: the file is empty/);
    expect((await failure(readInteractions(fixture('bad/header-only.csv'), {}, ctx))).message).toMatch(/header but no interactions/);
  });

  it('names the line of non-UTF-8 bytes and suggests the encoding', async () => {
    const e = await failure(readInteractions(fixture('bad/latin1.csv'), {}, ctx));
    expect(e.message).toMatch(/^latin1\.csv line 3: byte 0xE9 .* not valid UTF-8.*LATIN1.*iconv/);
    expect(e.details).toMatchObject({ line: 3, encoding: 'LATIN1' });
  });

  it('reports an empty item id and a row with too few fields', async () => {
    expect((await failure(readInteractions(fixture('bad/empty-item.csv'), {}, ctx))).message).toMatch(/line 3, column "item_id": the item id is empty/);
    expect((await failure(readInteractions(fixture('bad/short-row.csv'), {}, ctx))).message).toMatch(
      /line 3: the row has 1 field, expected 3; fix or remove the row/,
    );
  });

  /** Writes `rows` under a header into a fresh file; `reader` picks the fast path or (with a quote the fast path refuses) the general one. */
  const logFile = (name: string, header: string, rows: string[], reader: 'fast' | 'general') => {
    const path = join(tempDir(name), `${name}.csv`);
    const note = reader === 'general' ? ',"say ""hi"""""' : ',ok';
    writeFileSync(path, [header + ',note', ...rows.map((r) => r + note)].join('\n') + '\n');
    return path;
  };

  for (const reader of ['fast', 'general'] as const) {
    it(`refuses garbage values with line and column (${reader} reader)`, async () => {
      const header = 'user_id,item_id,rating,timestamp';
      const cases: [string, RegExp][] = [
        ['u1,i1,1e39,1700000000', /line 3, column "rating": rating "1e39" is too large/],
        ['u1,i1,4, ', /line 3, column "timestamp": the timestamp is empty/],
        ['u1,i1,4,2023-02-30', /line 3, column "timestamp": timestamp "2023-02-30" is not a real date/],
        ['u1,i1,4,0x65F1A2B0', /line 3, column "timestamp": cannot read timestamp "0x65F1A2B0"/],
        ['u1,i1,4,12345678901234567890', /line 3, column "timestamp": timestamp "12345678901234567890" is outside the years 0001–9999/],
        ['u\u0000x,i1,4,1700000000', /line 3, column "user_id": the user id "u\\u0000x" contains a control character \(NUL\)/],
        ['u1,i\u0001,4,1700000000', /line 3, column "item_id": the item id "i\\u0001" contains a control character \(0x01\)/],
      ];
      for (const [row, message] of cases) {
        const e = await failure(readInteractions(logFile('garbage', header, ['u0,i0,3,1700000000', row], reader), {}, ctx));
        expect(e.message, row).toMatch(message);
        expect(e.details).toMatchObject({ line: 3 });
      }
    });

    it(`imports timestamps far in the future with a warning naming the first line and column (${reader} reader)`, async () => {
      const path = logFile('future', 'user_id,item_id,timestamp', ['u0,i0,1700000000', 'u1,i1,32503680000', 'u2,i2,2999-01-01'], reader);
      const t = await readInteractions(path, {}, ctx);
      expect(t.user.length).toBe(3);
      expect(t.warnings).toEqual([
        {
          message:
            'future.csv line 3, column "timestamp": timestamp "32503680000" is in the future (3000-01-01T00:00:00.000Z) (and 1 more event); check the unit or the export',
          file: path,
          line: 3,
          column: 'timestamp',
          count: 2,
        },
      ]);
      expect((await readInteractions(logFile('past', 'user_id,item_id,timestamp', ['u0,i0,1700000000'], reader), {}, ctx)).warnings).toEqual([]);
    });
  }

  it('quotes at most 100 characters of a bad value', async () => {
    const path = join(tempDir('huge'), 'huge.csv');
    writeFileSync(path, `user_id,item_id,timestamp\nu1,i1,${'9'.repeat(5_000_000)}x\n`);
    const e = await failure(readInteractions(path, {}, ctx));
    expect(e.message).toMatch(/^huge\.csv line 2, column "timestamp": cannot read timestamp "9{100}"… \(5,000,001 characters\)/);
    expect(JSON.stringify(e.toData()).length).toBeLessThan(2000);
  });

  it('reports a quote that is never closed', async () => {
    const e = await failure(readInteractions(fixture('bad/unclosed-quote.csv'), {}, ctx));
    expect(e.message).toMatch(/line 3: a quoted field is never closed/);
  });

  it('reports a JSON line that does not parse', async () => {
    const e = await failure(readInteractions(fixture('bad/not-json.jsonl'), {}, ctx));
    expect(e.message).toMatch(/^not-json\.jsonl line 2: not valid JSON/);
  });

  it('fails fast on a 100 MB line without buffering it', async () => {
    const dir = tempDir('long');
    const path = join(dir, 'long.csv');
    writeFileSync(path, 'user_id,item_id,timestamp\n' + 'x'.repeat(100 * 2 ** 20));
    const before = process.memoryUsage().rss;
    const e = await failure(readInteractions(path, {}, ctx));
    expect(e.message).toMatch(/long\.csv line 2: a record is longer than 8 MiB/);
    expect(process.memoryUsage().rss - before).toBeLessThan(80 * 2 ** 20);
  });

  it('bounds a JSON line the same way', async () => {
    const dir = tempDir('long');
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, '{"user_id": "u", "item_id": "i", "ts": 1}\n{"user_id": "' + 'x'.repeat(20 * 2 ** 20) + '"}\n');
    const e = await failure(readInteractions(path, {}, ctx));
    expect(e.message).toMatch(/long\.jsonl line 2: a record is longer than 8 MiB/);
  });

  it('says a file of random bytes is not a text file, rather than suggesting an encoding', async () => {
    const dir = tempDir('binary');
    const random = mulberry32(7);
    const bytes = Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(random() * 256)));
    writeFileSync(join(dir, 'random.csv'), bytes);
    const e = await failure(readInteractions(join(dir, 'random.csv'), {}, ctx));
    expect(e.message).toMatch(/^random\.csv: this is not a text file/);
    expect(e.message).not.toMatch(/WINDOWS-1252|LATIN1/);
    // text first, binary later: found when decoding, with where it starts
    writeFileSync(join(dir, 'tail.csv'), Buffer.concat([Buffer.from('user_id,item_id,timestamp\n' + 'u1,i1,1700000000\n'.repeat(5000)), bytes]));
    const tail = await failure(readInteractions(join(dir, 'tail.csv'), {}, ctx));
    expect(tail.message).toMatch(/^tail\.csv: this is not a text file \(binary data from byte \d+, line 5002\)/);
  });

  it('says a line without a break is too long, not that the file has no rows', async () => {
    const path = join(tempDir('oneline'), 'oneline.csv');
    writeFileSync(path, 'x'.repeat(100 * 2 ** 20));
    expect((await failure(readInteractions(path, {}, ctx))).message).toMatch(/^oneline\.csv line 1: a record is longer than 8 MiB/);
    // a long header (more than the 64 KiB sample) is still read
    const wide = join(tempDir('wide'), 'wide.csv');
    const extra = Array.from({ length: 10_000 }, (_, k) => `extra_column_${k}`);
    writeFileSync(wide, ['user_id', 'item_id', 'timestamp', ...extra].join(',') + '\n' + ['u1', 'i1', '1700000000', ...extra.map(() => '')].join(',') + '\n');
    expect((await readInteractions(wide, {}, ctx)).user.length).toBe(1);
  });

  it('names a damaged Parquet file and what to do, instead of the decoder error', async () => {
    const dir = tempDir('parquet');
    const good = join(dir, 'good.parquet');
    parquetWriteFile({
      filename: good,
      columnData: [
        { name: 'user_id', data: Array.from({ length: 500 }, (_, k) => `u${k}`), type: 'STRING' },
        { name: 'item_id', data: Array.from({ length: 500 }, (_, k) => `i${k % 7}`), type: 'STRING' },
        { name: 'timestamp', data: Array.from({ length: 500 }, (_, k) => BigInt(1_700_000_000 + k)), type: 'INT64' },
      ],
    });
    const bytes = readFileSync(good);
    // the data pages scrambled, the footer intact: metadata reads, rows do not
    const damaged = Buffer.from(bytes);
    for (let k = 8; k < damaged.length - 400; k++) damaged[k] = (damaged[k]! * 31 + 7) & 0xff;
    writeFileSync(join(dir, 'damaged.parquet'), damaged);
    const e = await failure(readInteractions(join(dir, 'damaged.parquet'), {}, ctx));
    expect(e.message).toMatch(/^damaged\.parquet: rows 1–500 cannot be decoded \(.*\); the file is damaged or was cut short/);
    expect(e.details).toMatchObject({ file: join(dir, 'damaged.parquet'), line: 1, hint: expect.stringMatching(/export the file again/) });
    writeFileSync(join(dir, 'cut.parquet'), bytes.subarray(0, bytes.length - 30));
    expect((await failure(readInteractions(join(dir, 'cut.parquet'), {}, ctx))).message).toMatch(
      /^cut\.parquet: not a readable Parquet file \(.*\); the file is damaged or was cut short/,
    );
  });

  it('recognises compressed files', async () => {
    const dir = tempDir('gz');
    const path = join(dir, 'ratings.csv.gz');
    writeFileSync(path, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    expect((await failure(readInteractions(path, {}, ctx))).message).toMatch(/gzip-compressed/);
  });
});

describe('readCatalog', () => {
  it('keeps every column as text, with multi-line and escaped quoted fields', async () => {
    const c = await readCatalog(fixture('good/catalog.csv'), undefined, ctx);
    expect(c.idColumn).toBe('item_id');
    expect(c.titleColumn).toBe('title');
    expect(c.ids).toEqual(['i1', 'i2', 'i3']);
    expect(c.titles).toEqual(['Red, the Mug', 'Blue Plate', 'Green Cup']);
    expect(c.rows[0]).toEqual({ item_id: 'i1', title: 'Red, the Mug', description: 'A mug.\nDishwasher safe, 300 ml.', brand: 'Acme' });
    expect(c.rows[1]!.description).toBe('He said "hi"');
  });

  it('reads a Parquet catalog', async () => {
    const dir = tempDir('parquet');
    const path = join(dir, 'items.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'product_id', data: [10, 11], type: 'INT32' },
        { name: 'name', data: ['Lamp', 'Desk'] },
        { name: 'price', data: [9.5, 120], type: 'DOUBLE' },
      ],
    });
    const c = await readCatalog(path, undefined, ctx);
    expect(c).toMatchObject({ idColumn: 'product_id', titleColumn: 'name', ids: ['10', '11'], titles: ['Lamp', 'Desk'] });
    expect(c.rows[1]).toEqual({ product_id: '11', name: 'Desk', price: '120' });
  });

  it('uses the row number as id when there is no id column', async () => {
    const c = await readCatalog(fixture('good/catalog-no-id.csv'), undefined, ctx);
    expect(c.idColumn).toBe('item_id');
    expect(c.columns).toEqual(['item_id', 'title', 'genre']);
    expect(c.rows[1]).toEqual({ item_id: '2', title: 'Second', genre: 'comedy' });
  });

  it('reads MovieLens u.item (Latin-1, genre flags) and movies.dat', async () => {
    const u = await readCatalog(fixture('good/ml-100k/u.item'), undefined, ctx);
    expect(u.layout).toBe('MovieLens u.item');
    expect(u.ids).toEqual(['242', '302', '303']);
    expect(u.titles[2]).toBe('Misérables, Les (1995)');
    expect(u.rows[1]!.genres).toBe('Crime|Film-Noir|Thriller');
    const dat = await readCatalog(fixture('good/ml-1m/movies.dat'), undefined, ctx);
    expect(dat.titles).toEqual(["One Flew Over the Cuckoo's Nest (1975)", 'James and the Giant Peach (1996)', 'Cité des enfants perdus, La (1995)']);
    expect(dat.rows[1]!.genres).toBe("Animation|Children's|Musical");
    const latest = await readCatalog(fixture('good/ml-latest/movies.csv'), undefined, ctx);
    expect(latest.idColumn).toBe('movieId');
    expect(latest.titles[1]).toBe('Grumpier Old Men, The (1995)');
  });
});
