import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { resolveConfig } from '../../main/engine/config/load.ts';
import { loadCatalogIds } from '../../main/engine/data/duck-events.ts';
import { openDuck, type Duck } from '../../main/engine/data/duck.ts';
import { buildIdTables, encodeEvents } from '../../main/engine/data/encode-events.ts';
import { prepareEvents, prepareSpecSchema, preparationKey, type PrepareSpec } from '../../main/engine/data/prepare.ts';
import { parseRequestArg } from '../../main/engine/request-args.ts';

/** [user, item, rating | null, ts | null]; the index is the record number (ev's rowid) */
type Event = [string, string, number | null, number | null];

let duck: Duck | null = null;
afterEach(() => {
  duck?.close();
  duck = null;
});

/** `ev` from events in order, and `src` (text columns, rowid = record number) when given source rows. */
async function tables(events: Event[], src?: { columns: string[]; rows: string[][] }): Promise<Duck> {
  duck = await openDuck();
  await duck.conn.run('CREATE TEMP TABLE ev (user_id VARCHAR, item_id VARCHAR, rating FLOAT, ts DOUBLE)');
  const values = events.map(([u, i, r, t]) => `('${u}', '${i}', ${r ?? 'NULL'}, ${t ?? 'NULL'})`);
  if (values.length) await duck.conn.run(`INSERT INTO ev VALUES ${values.join(', ')}`);
  if (src) {
    await duck.conn.run(`CREATE TEMP TABLE src (${src.columns.map((c) => `"${c}" VARCHAR`).join(', ')})`);
    await duck.conn.run(`INSERT INTO src VALUES ${src.rows.map((r) => `(${r.map((v) => `'${v}'`).join(', ')})`).join(', ')}`);
  }
  return duck;
}

async function rows(d: Duck): Promise<{ pos: number; user: string; item: string; rating: number | null; ts: number | null }[]> {
  const reader = await d.conn.runAndReadAll('SELECT rowid AS pos, user_id, item_id, rating, ts FROM ev ORDER BY rowid');
  return reader.getRowObjectsJS().map((r) => ({
    pos: Number(r.pos),
    user: String(r.user_id),
    item: String(r.item_id),
    rating: r.rating === null ? null : Number(r.rating),
    ts: r.ts === null ? null : Number(r.ts),
  }));
}

async function failure(d: Duck, spec: PrepareSpec, signal?: AbortSignal): Promise<EngineError> {
  const err = await prepareEvents(d, spec, signal).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

const day = (iso: string) => Date.parse(iso) / 1000;

describe('prepareEvents', () => {
  it('reports the source as read, and nothing else for an empty spec', async () => {
    const d = await tables([
      ['u1', 'i1', 5, 1],
      ['u1', 'i2', 3, 2],
      ['u2', 'i1', 4, 3],
    ]);
    expect(await prepareEvents(d, {})).toEqual([{ step: 'source', label: 'as read from the source', events: 3, users: 2, items: 2 }]);
    expect((await rows(d)).map((r) => r.pos)).toEqual([0, 1, 2]);
  });

  it('iterates the k-core until it is stable: one round is not enough', async () => {
    // u4 leaves in round 1 (one event); that leaves i3 with one event, so u3–i3 goes in round 2,
    // which leaves u3 with one event, so u3–i2 goes in round 3; round 4 drops nothing
    const d = await tables([
      ['u1', 'i1', null, 1],
      ['u1', 'i2', null, 2],
      ['u2', 'i1', null, 3],
      ['u2', 'i2', null, 4],
      ['u3', 'i2', null, 5],
      ['u3', 'i3', null, 6],
      ['u4', 'i3', null, 7],
    ]);
    const steps = await prepareEvents(d, { minUserEvents: 2, minItemEvents: 2 });
    expect(steps[1]).toEqual({
      step: 'k-core',
      label: 'at least 2 events per user and 2 events per item (iterated k-core, 3 rounds)',
      events: 4,
      users: 2,
      items: 2,
    });
    expect((await rows(d)).map((r) => r.pos)).toEqual([0, 1, 2, 3]);
  });

  it('applies the user minimum alone, with the item minimum at one', async () => {
    const d = await tables([
      ['u1', 'i1', null, 1],
      ['u1', 'i2', null, 2],
      ['u2', 'i3', null, 3],
    ]);
    const steps = await prepareEvents(d, { minUserEvents: 2 });
    expect(steps[1]).toMatchObject({ label: 'at least 2 events per user (iterated k-core, 1 round)', events: 2, users: 1, items: 2 });
  });

  it('keeps ratings at or above the threshold and drops them when implicit', async () => {
    const d = await tables([
      ['u1', 'i1', 5, 1],
      ['u1', 'i2', 4, 2],
      ['u2', 'i1', 3.5, 3],
      ['u2', 'i3', 4, 4],
    ]);
    const steps = await prepareEvents(d, { minRating: 4, implicit: true });
    expect(steps.slice(1)).toEqual([
      { step: 'min-rating', label: 'rating at least 4', events: 3, users: 2, items: 3 },
      { step: 'implicit', label: 'ratings dropped: every event is a positive', events: 3, users: 2, items: 3 },
    ]);
    expect((await rows(d)).map((r) => [r.pos, r.rating])).toEqual([
      [0, null],
      [1, null],
      [3, null],
    ]);
  });

  it('refuses a rating threshold on a log without ratings', async () => {
    const d = await tables([['u1', 'i1', null, 1]]);
    const err = await failure(d, { minRating: 3 });
    expect(err.kind).toBe('invalid-input');
    expect(err.message).toBe('a minimum rating needs ratings, and this log has none');
    expect(err.details).toMatchObject({ field: 'prepare.minRating' });
  });

  it('keeps a date window: from inclusive, to exclusive', async () => {
    const d = await tables([
      ['u1', 'i1', null, day('2023-12-31T23:59:59Z')],
      ['u1', 'i2', null, day('2024-01-01T00:00:00Z')],
      ['u2', 'i1', null, day('2024-01-31T23:59:59Z')],
      ['u2', 'i2', null, day('2024-02-01T00:00:00Z')],
      ['u3', 'i1', null, null], // no time: outside every window
    ]);
    const steps = await prepareEvents(d, { from: '2024-01-01', to: '2024-02-01' });
    expect(steps[1]).toEqual({ step: 'window', label: 'from 2024-01-01 before 2024-02-01 (exclusive)', events: 2, users: 2, items: 2 });
    expect((await rows(d)).map((r) => r.pos)).toEqual([1, 2]);
  });

  it('reads a date-time with an offset', async () => {
    const d = await tables([
      ['u1', 'i1', null, day('2024-01-01T10:59:59Z')],
      ['u1', 'i2', null, day('2024-01-01T11:00:00Z')],
    ]);
    await prepareEvents(d, { from: '2024-01-01T12:00:00+01:00' });
    expect((await rows(d)).map((r) => r.pos)).toEqual([1]);
  });

  it('refuses a date window on a log without timestamps', async () => {
    const d = await tables([['u1', 'i1', 1, null]]);
    expect((await failure(d, { to: '2024-01-01' })).message).toBe('a date window needs timestamps, and this log has none');
  });

  const repeated: Event[] = [
    ['u1', 'i1', 1, 10], // 0
    ['u1', 'i1', 2, 20], // 1: tied with 2 on ts
    ['u1', 'i1', 3, 20], // 2: latest (ts, then pos)
    ['u2', 'i1', 4, 5], // 3: first (ts tie with 4, then pos)
    ['u2', 'i1', 5, 5], // 4
    ['u2', 'i2', 1, 1], // 5: alone
  ];

  it('keeps the latest event per (user, item), ties broken by the later record', async () => {
    const d = await tables(repeated);
    const steps = await prepareEvents(d, { repeats: 'latest' });
    expect(steps[1]).toMatchObject({ step: 'repeats', events: 3, users: 2, items: 2 });
    expect((await rows(d)).map((r) => [r.pos, r.rating])).toEqual([
      [2, 3],
      [4, 5],
      [5, 1],
    ]);
  });

  it('keeps the first event per (user, item), ties broken by the earlier record', async () => {
    const d = await tables(repeated);
    await prepareEvents(d, { repeats: 'first' });
    expect((await rows(d)).map((r) => [r.pos, r.rating])).toEqual([
      [0, 1],
      [3, 4],
      [5, 1],
    ]);
  });

  it('counts repeats into the rating, with the latest timestamp', async () => {
    const d = await tables(repeated);
    await prepareEvents(d, { repeats: 'count' });
    expect((await rows(d)).map((r) => [r.user, r.item, r.rating, r.ts])).toEqual([
      ['u1', 'i1', 3, 20],
      ['u2', 'i1', 2, 5],
      ['u2', 'i2', 1, 1],
    ]);
  });

  const many: Event[] = Array.from({ length: 200 }, (_, k) => [`user${k % 100}`, `i${k % 7}`, null, k]);
  const sampled = async (spec: PrepareSpec) => {
    const d = await tables(many);
    const steps = await prepareEvents(d, spec);
    const users = [...new Set((await rows(d)).map((r) => r.user))].sort();
    duck?.close();
    duck = null;
    return { steps, users };
  };
  const md5Pick = (seed: number, n: number) =>
    Array.from({ length: 100 }, (_, k) => `user${k}`)
      .map((u) => [createHash('md5').update(`${seed}:${u}`).digest('hex'), u] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, n)
      .map(([, u]) => u)
      .sort();

  it('samples users by a seeded hash: the same seed gives the same users', async () => {
    const a = await sampled({ sampleUsers: 0.2, seed: 7 });
    const b = await sampled({ sampleUsers: 0.2, seed: 7 });
    const c = await sampled({ sampleUsers: 0.2, seed: 8 });
    expect(a.users).toHaveLength(20);
    expect(a.users).toEqual(md5Pick(7, 20));
    expect(b.users).toEqual(a.users);
    expect(c.users).toEqual(md5Pick(8, 20));
    expect(c.users).not.toEqual(a.users);
    expect(a.steps[1]).toEqual({ step: 'sample-users', label: 'a sample of 20% of users (20 of 100, seed 7)', events: 40, users: 20, items: 7 });
  });

  it('samples a count of users, seed 0 by default', async () => {
    const { steps, users } = await sampled({ sampleUsers: 12 });
    expect(users).toEqual(md5Pick(0, 12));
    expect(steps[1]!.label).toBe('a sample of 12 users (12 of 100, seed 0)');
  });

  const source = {
    columns: ['user', 'item', 'country', 'stars'],
    rows: [
      ['u1', 'i1', 'DE', '5'],
      ['u1', 'i2', 'FR', '2'],
      ['u2', 'i1', 'DE', '4'],
    ],
  };
  const fromSource: Event[] = [
    ['u1', 'i1', 5, 1],
    ['u1', 'i2', 2, 2],
    ['u2', 'i1', 4, 3],
  ];

  it('filters by an SQL expression over the source columns', async () => {
    const d = await tables(fromSource, source);
    const steps = await prepareEvents(d, { where: "country = 'DE' AND stars::INT >= 5" });
    expect(steps[1]).toEqual({ step: 'where', label: "where country = 'DE' AND stars::INT >= 5", events: 1, users: 1, items: 1 });
    expect((await rows(d)).map((r) => r.pos)).toEqual([0]);
  });

  it('names the expression, DuckDB’s message and the source columns for an unknown column', async () => {
    const d = await tables(fromSource, source);
    const err = await failure(d, { where: "region = 'EU'" });
    expect(err.kind).toBe('invalid-input');
    expect(err.message).toContain("where region = 'EU'");
    expect(err.message).toContain("the source's columns are user, item, country, stars");
    expect(err.message).toMatch(/Binder Error: Referenced column "region" not found/);
    expect(err.details).toMatchObject({ field: 'prepare.where', columns: ['user', 'item', 'country', 'stars'] });
    expect((await rows(d)).map((r) => r.pos)).toEqual([0, 1, 2]);
  });

  it('does not let a name the source lacks reach the event table', async () => {
    const d = await tables(fromSource, source);
    expect((await failure(d, { where: "user_id = 'u1'" })).message).toMatch(/Referenced column "user_id" not found/);
  });

  it('refuses statements, subqueries, clauses and syntax errors', async () => {
    const d = await tables(fromSource, source);
    expect((await failure(d, { where: "country = 'DE'; DROP TABLE ev" })).message).toContain('";" is not allowed');
    expect((await failure(d, { where: "item IN (SELECT content FROM read_text('/etc/hostname'))" })).message).toContain('without subqueries');
    expect((await failure(d, { where: '1 = 1) UNION (SELECT 0' })).message).toContain('without subqueries');
    expect((await failure(d, { where: 'stars >' })).message).toMatch(/not an SQL expression .*: syntax error/);
    expect((await rows(d)).map((r) => r.pos)).toEqual([0, 1, 2]);
  });

  it('numbers users and items by their first event left after the steps, not in the source', async () => {
    const d = await tables([
      ['u1', 'i1', 1, 1], // u1's and i1's first events, dropped by the window
      ['u2', 'i2', 1, 2],
      ['u1', 'i2', 1, 3],
      ['u2', 'i1', 1, 4],
    ]);
    await buildIdTables(d);
    await loadCatalogIds(d, undefined);
    await prepareEvents(d, { from: '1970-01-01T00:00:02Z' });
    await encodeEvents(d);
    const ids = async (sql: string) => (await d.conn.runAndReadAll(sql)).getColumnsJS()[0]!.map(String);
    expect(await ids('SELECT user_id FROM users ORDER BY idx')).toEqual(['u2', 'u1']);
    expect(await ids('SELECT item_id FROM items ORDER BY idx')).toEqual(['i2', 'i1']);
  });

  it('filters a CSV as DuckDB reads it: src rows line up with ev positions, quoted names work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-prepare-'));
    const file = join(dir, 'log.csv');
    writeFileSync(file, 'user,item,sign-up country,stars\nu1,i1,DE,5\nu1,i2,FR,2\nu2,i1,DE,4\nu3,i3,"DE",1\n');
    duck = await openDuck();
    await duck.conn.run(`CREATE TABLE src AS SELECT * FROM read_csv('${file}', all_varchar = true, header = true)`);
    await duck.conn.run('CREATE TABLE ev AS SELECT "user" AS user_id, item AS item_id, stars::FLOAT AS rating, 0::DOUBLE AS ts FROM src');
    const steps = await prepareEvents(duck, { where: `"sign-up country" = 'DE' AND stars::INT >= 4` });
    expect(steps[1]).toMatchObject({ step: 'where', events: 2, users: 2, items: 1 });
    expect((await rows(duck)).map((r) => [r.pos, r.user])).toEqual([
      [0, 'u1'],
      [2, 'u2'],
    ]);
  });

  it('stops a running step when cancelled', async () => {
    const d = await openDuck();
    duck = d;
    await d.conn.run(
      `CREATE TABLE ev AS SELECT 'u' || (i % 5000) AS user_id, 'i' || (hash(i) % 3000) AS item_id, NULL::FLOAT AS rating, (i % 977)::DOUBLE AS ts FROM range(400000) r(i)`,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    // uncancelled, this runs for about 0.4 s and succeeds
    const err = await failure(d, { repeats: 'latest', minUserEvents: 79, minItemEvents: 20 }, controller.signal);
    expect(err.kind).toBe('cancelled');
  });

  it('refuses a where without source columns', async () => {
    const d = await tables(fromSource);
    expect((await failure(d, { where: "country = 'DE'" })).message).toContain('a where filter needs the source read by its columns');
  });

  it('names the step that left no events', async () => {
    const d = await tables(fromSource);
    const err = await failure(d, { minRating: 1, repeats: 'latest', minUserEvents: 3 });
    expect(err.message).toBe('preparation left no events: the step "at least 3 events per user (iterated k-core, 1 round)" removed all 3 that were left');
    expect(err.details).toMatchObject({ field: 'prepare.minUserEvents', step: 'k-core' });
  });

  it('runs the steps in order: where, window, rating, sample, repeats, k-core', async () => {
    const d = await tables(fromSource, source);
    const steps = await prepareEvents(d, { minItemEvents: 1, repeats: 'first', sampleUsers: 1, implicit: true, minRating: 1, to: '2030-01-01', where: 'true' });
    expect(steps.map((s) => s.step)).toEqual(['source', 'where', 'window', 'min-rating', 'implicit', 'sample-users', 'repeats', 'k-core']);
  });

  it('stops when cancelled and refuses a spec the schema refuses', async () => {
    const d = await tables(fromSource);
    const controller = new AbortController();
    controller.abort();
    expect((await failure(d, { minUserEvents: 2 }, controller.signal)).kind).toBe('cancelled');
    const bad = await failure(d, { sampleUsers: 2.5 });
    expect(bad.details).toMatchObject({ field: 'prepare.sampleUsers' });
  });
});

describe('prepareSpecSchema', () => {
  it('refuses impossible dates, an empty window, fractions above one and unknown keys', () => {
    const issues = (spec: unknown) => prepareSpecSchema.safeParse(spec).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ from: '2023-02-30' })).toEqual(['from: expected an ISO date such as 2024-01-31 or 2024-01-31T12:00:00Z']);
    expect(issues({ from: '2024-02-01', to: '2024-02-01' })).toEqual(['to: from must come before to (to is exclusive)']);
    expect(issues({ sampleUsers: 1.5 })).toEqual(['sampleUsers: expected a fraction between 0 and 1 or a whole number of users']);
    expect(issues({ repeat: 'latest' })).toEqual([': Unrecognized key: "repeat"']);
    expect(issues({ where: 'true', from: '2024-01-01T12:00', minRating: 3.5, sampleUsers: 0.5, repeats: 'count' })).toBeUndefined();
  });
});

describe('the prepare spec where users give it', () => {
  it('is data.prepare in trainyard.yaml, with --set and a suggestion for a misspelt key', () => {
    const { config } = resolveConfig({ config: { data: { prepare: { minUserEvents: 5, repeats: 'latest' } } }, set: ["data.prepare.where=country = 'DE'"] });
    expect(config.data.prepare).toEqual({ minUserEvents: 5, repeats: 'latest', where: "country = 'DE'" });
    expect(() => resolveConfig({ config: { data: { prepare: { minUserEvent: 5 } } } })).toThrow(
      /data\.prepare\.minUserEvent \(did you mean data\.prepare\.minUserEvents\?\)/,
    );
  });

  it('reads dates in trainyard.yaml as the text they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-prepare-'));
    writeFileSync(join(dir, 'trainyard.yaml'), 'data:\n  prepare:\n    from: 2024-01-01\n    to: 2024-06-01T00:00:00Z\n');
    expect(resolveConfig({ configPath: join(dir, 'trainyard.yaml') }).config.data.prepare).toEqual({ from: '2024-01-01', to: '2024-06-01T00:00:00Z' });
  });

  it('is the prepare argument of data.import, checked like every request', () => {
    expect(parseRequestArg('data.import', { interactions: 'a.csv', prepare: { sampleUsers: 0.1, seed: 3 } })).toEqual({
      interactions: 'a.csv',
      prepare: { sampleUsers: 0.1, seed: 3 },
    });
    expect(() => parseRequestArg('data.import', { interactions: 'a.csv', prepare: { repeats: 'sum' } })).toThrow(/prepare\.repeats/);
  });
});

describe('preparationKey', () => {
  it('is the same for specs that prepare the same events, and differs otherwise', () => {
    expect(preparationKey({})).toBeNull();
    expect(preparationKey({ implicit: false, seed: 4, minUserEvents: 1 })).toBeNull();
    expect(preparationKey({ sampleUsers: 0.1 })).toBe(preparationKey({ seed: 0, sampleUsers: 0.1 }));
    expect(preparationKey({ sampleUsers: 0.1 })).not.toBe(preparationKey({ sampleUsers: 0.1, seed: 1 }));
    expect(preparationKey({ from: '2024-01-01', to: '2024-02-01T01:00:00+01:00' })).toBe(
      preparationKey({ to: '2024-02-01T00:00:00Z', from: '2024-01-01T00:00' }),
    );
    expect(preparationKey({ where: ' x = 1 ' })).toBe(preparationKey({ where: 'x = 1' }));
    expect(preparationKey({ repeats: 'latest' })).not.toBe(preparationKey({ repeats: 'first' }));
    expect(preparationKey({ minUserEvents: 5 })).not.toBe(preparationKey({ minItemEvents: 5 }));
  });
});
