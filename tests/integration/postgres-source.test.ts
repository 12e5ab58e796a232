import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetProfile } from '../../main/common/contracts/api.ts';
import type { EngineError } from '../../main/common/contracts/errors.ts';
import { silentContext, type TaskContext } from '../../main/engine/common/task-context.ts';
import { exportQueryToCsv } from '../../main/engine/data/postgres-source.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import { postgresBin, startPostgres, type TestPostgres } from '../support/postgres-server.ts';
import { rejection } from '../support/engine-error.ts';

const BIN = new URL('../../bin/trainyard.js', import.meta.url).pathname;
const bin = postgresBin();
if (!bin) console.warn('postgres-source tests skipped: no PostgreSQL binaries under /usr/lib/postgresql (install the Debian package postgresql)');

const PASSWORD = 'An4lyst-secret-Pw';

/** Everything an error carries, as text, to search for the password in. */
const errorText = (e: EngineError) => JSON.stringify({ message: e.message, details: e.details, stack: e.stack });

/** Every file under `dir` (the workspace: database, WAL, run folders), to search for the password in. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

it.runIf(!bin && !!process.env.CI)('CI has the PostgreSQL binaries (.ci/run installs the postgresql package)', () => {
  expect(bin).not.toBeNull();
});

describe.skipIf(!bin)('PostgreSQL as an import source', () => {
  let server: TestPostgres;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    server = await startPostgres(bin!);
    await server.admin(`CREATE ROLE analyst LOGIN PASSWORD '${PASSWORD}'`);
    await server.admin('CREATE DATABASE shop OWNER analyst');
    url = server.url('analyst', PASSWORD, 'shop');
    const shop = new (await import('pg')).default.Client({ connectionString: url });
    await shop.connect();
    await shop.query(`
      CREATE TABLE events (user_id bigint, item_id text, rating numeric(4,2), weight double precision, at timestamptz, local_at timestamp, day date);
      INSERT INTO events VALUES
        (1, 'sku-1', 4.50, 0.125, '2024-03-01 10:00:00.25+02', '2024-03-01 10:00:00', '2024-03-01'),
        (2, 'a "quoted", item', NULL, NULL, '2024-03-02 00:00:00+00', NULL, NULL),
        (3, E'two\\nlines', 1.00, -1e-7, NULL, '2024-03-03 12:30:00.5', '2024-03-03');
      CREATE TABLE clicks AS
        SELECT 'c' || (g % 12) AS customer, 'p' || (g / 12) AS sku, (1 + g % 5)::numeric(3,1) AS stars,
               timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour' AS at
        FROM generate_series(0, 239) g;
      CREATE TABLE products AS
        SELECT 'p' || g AS sku, 'Product ' || g AS title, CASE WHEN g % 3 = 0 THEN NULL ELSE 'about ' || g END AS description
        FROM generate_series(0, 29) g;`);
    await shop.end();
    dir = mkdtempSync(join(tmpdir(), 'ty-pg-import-'));
  }, 60_000);
  afterAll(() => {
    server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('exportQueryToCsv', () => {
    it('writes ints, numerics, floats, text, timestamps (ISO 8601, UTC) and NULLs (empty fields) as CSV', async () => {
      const file = join(dir, 'types.csv');
      const out = await exportQueryToCsv(url, 'select * from events order by user_id;\n', file, silentContext());
      expect(out).toEqual({ file, rows: 3, columns: ['user_id', 'item_id', 'rating', 'weight', 'at', 'local_at', 'day'] });
      expect(readFileSync(file, 'utf8')).toBe(
        [
          'user_id,item_id,rating,weight,at,local_at,day',
          '1,sku-1,4.50,0.125,2024-03-01T08:00:00.25+00:00,2024-03-01T10:00:00,2024-03-01',
          '2,"a ""quoted"", item",,,2024-03-02T00:00:00+00:00,,',
          '3,"two\nlines",1.00,-1e-07,,2024-03-03T12:30:00.5,2024-03-03',
          '',
        ].join('\n'),
      );
    });

    it("streams a result of several MiB byte for byte, the header from the query's own column names", async () => {
      const file = join(dir, 'large.csv');
      const out = await exportQueryToCsv(
        url,
        `select g as id, g as id, repeat('x', 80) || g as "pad, text" from generate_series(1, 30000) g`,
        file,
        silentContext(),
      );
      const expected = ['id,id,"pad, text"', ...Array.from({ length: 30000 }, (_, k) => `${k + 1},${k + 1},${'x'.repeat(80)}${k + 1}`), ''].join('\n');
      expect(out.rows).toBe(30000);
      expect(readFileSync(file, 'utf8') === expected).toBe(true);
    });

    it('a broken query fails with the server message and its line and column in the query; no file is left', async () => {
      const file = join(dir, 'broken.csv');
      const e = await rejection(exportQueryToCsv(url, 'select user_id,\n  itm_id from events', file, silentContext()));
      expect(e.kind).toBe('invalid-input');
      expect(e.message).toBe('the query failed at line 2, column 3: column "itm_id" does not exist');
      expect(e.details).toMatchObject({ field: 'query', line: 2, column: 3, code: '42703', source: `postgres://analyst@127.0.0.1:${server.port}/shop` });
      expect(readdirSync(dir).filter((f) => f.startsWith('broken'))).toEqual([]);
    });

    it('runs exactly one read-only statement: a second statement is refused and changes nothing', async () => {
      const e = await rejection(exportQueryToCsv(url, 'select 1; drop table events', join(dir, 'two.csv'), silentContext()));
      expect(e.message).toMatch(/the query failed: cannot insert multiple commands into a prepared statement/);
      const e2 = await rejection(exportQueryToCsv(url, 'select * from events for update', join(dir, 'ro.csv'), silentContext()));
      expect(e2.message).toMatch(/^the query would change the database, and an import only reads: cannot execute SELECT FOR UPDATE in a read-only transaction/);
      const rows = await exportQueryToCsv(url, 'select count(*) as n from events', join(dir, 'count.csv'), silentContext());
      expect(rows.rows).toBe(1);
      expect(readFileSync(rows.file, 'utf8')).toBe('n\n3\n');
    });

    it('a wrong password is refused in words that name the user and what to do, never the password', async () => {
      const wrong = 'Wr0ng-pw-123';
      const e = await rejection(exportQueryToCsv(server.url('analyst', wrong, 'shop'), 'select 1', join(dir, 'pw.csv'), silentContext()));
      expect(e.message).toBe(
        `PostgreSQL at postgres://analyst@127.0.0.1:${server.port}/shop refused the login: password authentication failed for user "analyst"`,
      );
      expect(e.details).toMatchObject({ field: 'source', code: '28P01', hint: expect.stringMatching(/TRAINYARD_PG_PASSWORD or PGPASSWORD/) });
      expect(errorText(e)).not.toContain(wrong);
    });

    it('takes the password from TRAINYARD_PG_PASSWORD, a .env file or a pgpass file; without one it says a password is needed', async () => {
      const bare = server.url('analyst', undefined, 'shop');
      const envFile = join(dir, '.env');
      const saved = { t: process.env.TRAINYARD_PG_PASSWORD, p: process.env.PGPASSWORD, f: process.env.PGPASSFILE };
      delete process.env.PGPASSWORD;
      try {
        delete process.env.TRAINYARD_PG_PASSWORD;
        const none = await rejection(exportQueryToCsv(bare, 'select 1', join(dir, 'none.csv'), silentContext(), envFile));
        expect(none.message).toBe(`PostgreSQL at postgres://analyst@127.0.0.1:${server.port}/shop asks for a password and none was given`);

        writeFileSync(envFile, `TRAINYARD_PG_PASSWORD=${PASSWORD}\n`);
        expect((await exportQueryToCsv(bare, 'select 1 as one', join(dir, 'dotenv.csv'), silentContext(), envFile)).rows).toBe(1);
        rmSync(envFile);

        process.env.TRAINYARD_PG_PASSWORD = PASSWORD;
        expect((await exportQueryToCsv(bare, 'select 1 as one', join(dir, 'env.csv'), silentContext(), envFile)).rows).toBe(1);
        delete process.env.TRAINYARD_PG_PASSWORD;

        const pgpass = join(dir, 'pgpass');
        writeFileSync(pgpass, `127.0.0.1:${server.port}:shop:analyst:${PASSWORD}\n`, { mode: 0o600 });
        process.env.PGPASSFILE = pgpass;
        expect((await exportQueryToCsv(bare, 'select 1 as one', join(dir, 'pgpass.csv'), silentContext(), envFile)).rows).toBe(1);
      } finally {
        for (const [k, v] of [
          ['TRAINYARD_PG_PASSWORD', saved.t],
          ['PGPASSWORD', saved.p],
          ['PGPASSFILE', saved.f],
        ] as const)
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
      }
    });

    it('a server that is not listening is "connection refused", naming host and port', async () => {
      const e = await rejection(exportQueryToCsv(`postgres://analyst:${PASSWORD}@127.0.0.1:1/shop`, 'select 1', join(dir, 'refused.csv'), silentContext()));
      expect(e.message).toBe('could not connect to PostgreSQL at 127.0.0.1:1: connection refused');
      expect(e.details).toMatchObject({ field: 'source', code: 'ECONNREFUSED' });
      expect(errorText(e)).not.toContain(PASSWORD);
    });

    it('a connection dropped mid-stream fails clearly and leaves no file', async () => {
      const file = join(dir, 'dropped.csv');
      let terminated: Promise<unknown> | null = null;
      const ctx: TaskContext = {
        ...silentContext(),
        progress: (u) => {
          // after the first batch, from a second connection, while the next FETCH waits on pg_sleep
          terminated ??=
            u.current > 0 ? server.admin(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'trainyard import'`) : null;
        },
      };
      const slow = `select g as user_id, g % 97 as item_id, case when g > 6000 then pg_sleep(0.2)::text end as pause from generate_series(1, 20000) g`;
      const e = await rejection(exportQueryToCsv(url, slow, file, ctx));
      expect(await terminated).toBeTruthy();
      expect(e.message).toMatch(
        new RegExp(
          `^the connection to PostgreSQL at postgres://analyst@127\\.0\\.0\\.1:${server.port}/shop was lost after \\d+ rows \\(.+\\): nothing was imported$`,
        ),
      );
      expect(readdirSync(dir).filter((f) => f.startsWith('dropped'))).toEqual([]);
    }, 30_000);
  });

  describe('data.import with a source, through the engine', () => {
    let engine: Engine;
    let ws: string;
    const logs: string[] = [];
    const map = { user: 'customer', item: 'sku', rating: 'stars', ts: 'at' };
    const query = 'select customer, sku, stars, at from clicks';
    const label = () => `postgres://analyst@127.0.0.1:${server.port}/shop`;

    beforeAll(async () => {
      ws = join(dir, 'ws');
      engine = await createEngine({ workspace: ws, workers: 1 });
      engine.on('job.log', (l) => logs.push(l.message));
    });
    afterAll(async () => {
      await engine?.close();
    });

    const importJob = async (arg: Parameters<Engine['request']>[1]) => {
      const { jobId } = await engine.request('data.import', arg as never);
      return engine.waitForJob(jobId);
    };
    const tmpFiles = () => filesUnder(join(ws, 'tmp')).length;

    it('imports the rows of a query and a catalogue query; the dataset names the connection, never the password', async () => {
      const done = await importJob({ source: { url, query: `${query};`, itemsQuery: 'select sku, title, description from products' }, map });
      expect(done.error).toBeUndefined();
      const profile = done.result as DatasetProfile;
      expect(done.label).toBe(`import ${label()}`);
      expect(profile).toMatchObject({ sources: [label()], users: 12, items: 30, interactions: 240, catalog: { items: 30 } });
      expect(profile.timeRange?.min).toMatch(/^2024-01-01/);
      expect(await engine.request('data.profile', {})).toMatchObject({ datasetId: profile.datasetId, sources: [label()] });
      expect(tmpFiles()).toBe(0); // the query's rows were in tmp/ only while importing

      const everything = [
        ...filesUnder(ws).map((f) => readFileSync(f).toString('latin1')),
        JSON.stringify(await engine.request('jobs.list', undefined)),
        logs.join('\n'),
      ].join('\n');
      expect(everything).toContain(label());
      expect(everything).not.toContain(PASSWORD);
    });

    it('the same query again reuses the dataset; other query text over the same rows is another dataset', async () => {
      const first = (await importJob({ source: { url, query, itemsQuery: 'select sku, title, description from products' }, map })).result as DatasetProfile;
      const again = (await importJob({ source: { url, query, itemsQuery: 'select sku, title, description from products' }, map })).result as DatasetProfile;
      expect(again.datasetId).toBe(first.datasetId);
      const other = (await importJob({ source: { url, query: `${query} where true`, itemsQuery: 'select sku, title, description from products' }, map }))
        .result as DatasetProfile;
      expect(other.fingerprint).not.toBe(first.fingerprint);
      expect(other.interactions).toBe(first.interactions);
    });

    it('columns that do not map fail as a file would, naming the query instead of a temporary file; nothing is staged', async () => {
      const before = await engine.request('data.profile', {});
      const done = await importJob({ source: { url, query: 'select customer as who, sku as what from clicks' } });
      expect(done.state).toBe('failed');
      expect(done.error?.kind).toBe('invalid-input');
      expect(done.error?.message).toMatch(/^the query's result: /);
      expect(JSON.stringify(done.error)).not.toMatch(/interactions-query\.csv|\/tmp\/import-/);
      expect(done.error?.details?.file).toBe(label());
      expect(done.error?.details?.hint).toMatch(/--map user=.*, or name the columns in the query/);
      expect(await engine.request('data.profile', {})).toEqual(before);
      expect(tmpFiles()).toBe(0);
    });

    it('a query that returns no rows says so', async () => {
      const done = await importJob({ source: { url, query: `${query} where false` }, map });
      expect(done.error).toMatchObject({ kind: 'invalid-input', message: 'the query returned no rows: nothing to import', details: { field: 'query' } });
      expect(tmpFiles()).toBe(0);
    });

    it('a connection dropped mid-stream fails the job, stages no dataset and leaves no file', async () => {
      const before = await engine.request('data.profile', {});
      let terminated: Promise<unknown> | null = null;
      const off = engine.on('job.progress', (p) => {
        if (p.stage === 'query' && p.current > 0)
          terminated ??= server.admin(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'trainyard import'`);
      });
      const slow = `select 'u' || g as customer, 'p' || (g % 30) as sku, 1 as stars, now() as at, case when g > 6000 then pg_sleep(0.2)::text end as pause from generate_series(1, 20000) g`;
      const done = await importJob({ source: { url, query: slow }, map });
      off();
      expect(await terminated).toBeTruthy();
      expect(done.state).toBe('failed');
      expect(done.error?.message).toMatch(/^the connection to PostgreSQL at .* was lost after \d+ rows .*: nothing was imported$/);
      expect(await engine.request('data.profile', {})).toEqual(before);
      expect(tmpFiles()).toBe(0);
    }, 30_000);

    it('cancelling the job mid-stream closes the connection and leaves nothing', async () => {
      const before = await engine.request('data.profile', {});
      const slow = `select 'u' || g as customer, 'p' || (g % 30) as sku, 1 as stars, now() as at, case when g > 6000 then pg_sleep(0.2)::text end as pause from generate_series(1, 20000) g`;
      const { jobId } = await engine.request('data.import', { source: { url, query: slow }, map });
      const off = engine.on('job.progress', (p) => {
        if (p.jobId === jobId && p.stage === 'query' && p.current > 0) void engine.request('jobs.cancel', { jobId });
      });
      const done = await engine.waitForJob(jobId);
      off();
      expect(done.state).toBe('cancelled');
      expect(await engine.request('data.profile', {})).toEqual(before);
      expect(tmpFiles()).toBe(0);
      const sessions = async () =>
        (await server.admin(`select count(*)::int as n from pg_stat_activity where application_name = 'trainyard import'`)).rows[0].n as number;
      for (let i = 0; i < 100 && (await sessions()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await sessions()).toBe(0);
    }, 30_000);

    it('a URL that is not postgres:// is refused when the request is made, and the password of a bad URL is not repeated', async () => {
      const e = await rejection(engine.request('data.import', { source: { url: `mysql://analyst:${PASSWORD}@127.0.0.1/shop`, query } }));
      expect(e.message).toBe('mysql://127.0.0.1 is not a PostgreSQL URL: give postgres://user@host:port/database');
      expect(errorText(e)).not.toContain(PASSWORD);
    });
  });

  describe('trainyard data import --source', () => {
    async function trainyard(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
      delete childEnv.PGPASSWORD;
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, '--workspace', join(dir, 'cli-ws'), ...args], { env: childEnv, cwd: dir });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }
    const bare = () => server.url('analyst', undefined, 'shop');
    const args = () => [
      'data',
      'import',
      '--source',
      bare(),
      '--query',
      'select customer, sku, stars, at from clicks',
      '--map',
      'user=customer,item=sku,rating=stars,ts=at',
    ];

    it('imports a query with the password from TRAINYARD_PG_PASSWORD and prints the connection without it', async () => {
      const r = await trainyard({ TRAINYARD_PG_PASSWORD: PASSWORD }, ...args());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^dataset +\\d+ \\(postgres://analyst@127\\.0\\.0\\.1:${server.port}/shop\\)$`, 'm'));
      expect(r.stdout).toMatch(/^interactions 240 /m);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    });

    it('a wrong password exits 1 with the reason and where to put the password', async () => {
      const r = await trainyard({ TRAINYARD_PG_PASSWORD: 'not-the-Password-9' }, ...args());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: PostgreSQL at postgres://analyst@127.0.0.1:${server.port}/shop refused the login: password authentication failed`);
      expect(r.stderr).toMatch(/hint: give the password in TRAINYARD_PG_PASSWORD or PGPASSWORD/);
      expect(r.stderr).not.toContain('not-the-Password-9');
    });

    it('a CLI killed mid-import leaves its query result only until the workspace is next opened', async () => {
      const ws = join(dir, 'killed-ws');
      const slow = `select 'u' || g as user_id, 'p' || (g % 30) as item_id, now() as ts, case when g > 6000 then pg_sleep(0.2)::text end as pause from generate_series(1, 20000) g`;
      const env: NodeJS.ProcessEnv = { ...process.env, TRAINYARD_PG_PASSWORD: PASSWORD };
      const child = spawn(process.execPath, [BIN, '--workspace', ws, 'data', 'import', '--source', bare(), '--query', slow], { stdio: 'ignore', env });
      const tmp = join(ws, 'tmp');
      const partial = () => filesUnder(tmp).find((f) => f.endsWith('interactions-query.csv.partial'));
      const deadline = Date.now() + 20_000;
      while (!(partial() && statSync(partial()!).size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(partial()).toBeDefined();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(readdirSync(tmp).sort()).toEqual([expect.stringMatching(/^import-[0-9a-f]{12}$/), expect.stringMatching(/^import-[0-9a-f]{12}\.owner$/)]);

      const engine = await createEngine({ workspace: ws, workers: 1 });
      await engine.close();
      expect(readdirSync(tmp)).toEqual([]);
    }, 30_000);

    it('--query without --source is refused before anything runs', async () => {
      const r = await trainyard({}, 'data', 'import', '--query', 'select 1');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--query and --items-query read from a database: give it with --source postgres://');
    });
  });

  describe('browser mode (trainyard serve), raw requests over loopback', () => {
    it('imports a query; a failed login answers without the password in any body', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, TRAINYARD_PG_PASSWORD: PASSWORD };
      delete env.PGPASSWORD;
      const child = spawn(process.execPath, [BIN, '--workspace', join(dir, 'serve-ws'), '--json', 'serve', '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      });
      try {
        const page = await new Promise<URL>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(new URL((JSON.parse(d.toString()) as { url: string }).url)));
          child.once('exit', (c) => reject(new Error(`serve exited with ${c}`)));
        });
        const post = async (name: string, body: unknown) => {
          const res = await fetch(`${page.origin}/api/${name}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${page.searchParams.get('token')}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, text: await res.text() };
        };
        const finished = async (jobId: string) => {
          for (;;) {
            const r = await post('jobs.get', { jobId });
            const info = (JSON.parse(r.text) as { value: { state: string } }).value;
            if (!['queued', 'running'].includes(info.state)) return r.text;
            await new Promise((res) => setTimeout(res, 50));
          }
        };
        const map = { user: 'customer', item: 'sku', rating: 'stars', ts: 'at' };

        const started = await post('data.import', {
          source: { url: server.url('analyst', undefined, 'shop'), query: 'select customer, sku, stars, at from clicks' },
          map,
        });
        expect(started.status).toBe(200);
        const ok = await finished((JSON.parse(started.text) as { value: { jobId: string } }).value.jobId);
        expect(JSON.parse(ok)).toMatchObject({
          value: { state: 'succeeded', result: { sources: [`postgres://analyst@127.0.0.1:${server.port}/shop`], interactions: 240 } },
        });

        const wrong = 'Wr0ng-in-the-URL-77';
        const bad = await post('data.import', { source: { url: server.url('analyst', wrong, 'shop'), query: 'select 1' } });
        const failed = await finished((JSON.parse(bad.text) as { value: { jobId: string } }).value.jobId);
        expect(JSON.parse(failed)).toMatchObject({
          value: { state: 'failed', error: { kind: 'invalid-input', message: expect.stringMatching(/refused the login/) } },
        });
        const all = [bad.text, failed, (await post('jobs.list', null)).text, (await post('data.profile', {})).text].join('\n');
        for (const secret of [wrong, PASSWORD]) expect(all).not.toContain(secret);
      } finally {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
      }
    }, 30_000);
  });
});
