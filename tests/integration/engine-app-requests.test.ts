import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import { parseRequestArg } from '../../main/engine/request-args.ts';
import { rejection } from '../support/engine-error.ts';

/** User k has 4 + (k % 7) events on distinct items, so activity is known exactly; two ids need LIKE escaping. */
function writeLog(dir: string): { file: string; events: Map<string, number> } {
  const lines = ['user_id,item_id,rating,timestamp'];
  const events = new Map<string, number>();
  const ids = [...Array.from({ length: 60 }, (_, k) => `u${k}`), 'a_1', 'ab1'];
  ids.forEach((user, k) => {
    const n = 4 + (k % 7);
    events.set(user, n);
    for (let e = 0; e < n; e++) lines.push(`${user},i${(k * 3 + e * 5) % 50},${1 + (e % 5)},${1_600_000_000 + e * 86_400 + k}`);
  });
  const file = join(dir, 'interactions.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, events };
}

describe('engine requests behind the app pages', () => {
  let dir: string;
  let engine: Engine;
  let log: { file: string; events: Map<string, number> };
  let run: TrainResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ty-app-requests-'));
    log = writeLog(dir);
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
    const { jobId } = await engine.request('train.start', { config: { data: { interactions: log.file }, stages: ['popularity'] }, set: ['eval.ks=[5,10]'] });
    const done = await engine.waitForJob(jobId);
    expect(done.error?.message).toBeUndefined();
    run = done.result as TrainResult;
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('config.resolve', () => {
    it('reads a trainyard.yaml with every default filled in, and names a mistyped key', async () => {
      const file = join(dir, 'trainyard.yaml');
      writeFileSync(file, 'stages: [popularity, als]\nals:\n  factors: 12\nsplit:\n  method: lastpct:0.2\n');
      const { config } = await engine.request('config.resolve', { configPath: file });
      expect(config).toMatchObject({ stages: ['popularity', 'als'], als: { factors: 12, iterations: 15 }, split: { method: 'lastpct:0.2', ties: 'random' } });
      writeFileSync(file, 'als:\n  factor: 12\n');
      await expect(engine.request('config.resolve', { configPath: file })).rejects.toThrow(/als\.factor.*did you mean als\.factors/);
    });
  });

  describe('eval.perUser', () => {
    it('returns the per-user CSV of a model; its column means are the stored metrics', async () => {
      const table = await engine.request('eval.perUser', { run: run.runId, model: 'popularity' });
      expect(table.run).toBe(run.runId);
      expect(table.columns.slice(0, 4)).toEqual(['user', 'n_test', 'n_train', 'segment']);
      expect(table.columns).toContain('ndcg@10');
      const rows = table.csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      const detail = await engine.request('runs.show', { run: run.runId });
      expect(rows.length).toBe(detail.metrics!.users.evaluated);
      const at = table.columns.indexOf('ndcg@10');
      const mean = rows.reduce((s, r) => s + Number(r[at]), 0) / rows.length;
      expect(mean).toBeCloseTo(run.metrics.popularity!['ndcg@10']!, 6);
    });

    it('resolves "latest" and explains a model the run did not evaluate', async () => {
      expect((await engine.request('eval.perUser', { run: 'latest', model: 'popularity' })).run).toBe(run.runId);
      const missing = await rejection(engine.request('eval.perUser', { run: run.runId, model: 'als' }));
      expect(missing.kind).toBe('not-found');
      expect(missing.message).toContain('models with per-user results: popularity');
      const escape = await rejection(engine.request('eval.perUser', { run: run.runId, model: '../popularity' }));
      expect(escape.kind).toBe('invalid-input');
      expect(escape.details?.field).toBe('model');
    });
  });

  describe('data.users', () => {
    it('lists the users of the run dataset, most active first, with their event counts', async () => {
      const users = await engine.request('data.users', { run: run.runId, limit: 10 });
      expect(users).toHaveLength(10);
      for (const u of users) expect(u.events).toBe(log.events.get(u.user));
      const counts = users.map((u) => u.events);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      expect(counts[0]).toBe(Math.max(...log.events.values()));
      expect(await engine.request('data.users', {})).toHaveLength(50);
    });

    it('filters by a case-insensitive id prefix, taking % and _ literally', async () => {
      const u1 = await engine.request('data.users', { query: 'U1', limit: 100 });
      expect(u1.map((u) => u.user).sort()).toEqual(['u1', ...Array.from({ length: 10 }, (_, k) => `u1${k}`)].sort());
      expect((await engine.request('data.users', { query: 'a_' })).map((u) => u.user)).toEqual(['a_1']);
      expect(await engine.request('data.users', { query: '%' })).toEqual([]);
    });
  });

  describe('data.preview', () => {
    it('shows the first rows and the detected mapping; an unrecognised field stays null until mapped', async () => {
      const lines = [
        'customer\tsku\tstars\twhen',
        ...Array.from({ length: 30 }, (_, k) => `c${k % 4}\tp${k}\t${1 + (k % 5)}\t2024-01-${String(1 + (k % 28)).padStart(2, '0')}`),
      ];
      const file = join(dir, 'shop.tsv');
      writeFileSync(file, lines.join('\n') + '\n');
      const preview = await engine.request('data.preview', { file, kind: 'interactions' });
      expect(preview.layout).toBe('tsv');
      expect(preview.columns).toEqual(['customer', 'sku', 'stars', 'when']);
      expect(preview.rows).toHaveLength(20);
      expect(preview.rows[0]).toEqual(['c0', 'p0', '1', '2024-01-01']);
      expect(preview.detected).toEqual({ user: 'customer', item: 'sku', rating: 'stars', ts: null });

      const { jobId } = await engine.request('data.import', { interactions: file, map: { ts: 'when' } });
      const done = await engine.waitForJob(jobId);
      expect(done.error?.message).toBeUndefined();
      expect((await engine.request('data.profile', {}))?.interactions).toBe(30);
    });

    it('detects the id and title of an item catalogue', async () => {
      const file = join(dir, 'products.csv');
      writeFileSync(file, 'product_id,name,description\np1,"Red, big",A red thing\np2,Blue,"Says ""hi"""\n');
      const preview = await engine.request('data.preview', { file, kind: 'items' });
      expect(preview.detected).toEqual({ id: 'product_id', title: 'name' });
      expect(preview.rows).toEqual([
        ['p1', 'Red, big', 'A red thing'],
        ['p2', 'Blue', 'Says "hi"'],
      ]);
    });

    it('reports a missing file as invalid input naming it', async () => {
      const err = await rejection(engine.request('data.preview', { file: join(dir, 'nope.csv'), kind: 'interactions' }));
      expect(err.kind).toBe('invalid-input');
      expect(err.details?.file).toBe(join(dir, 'nope.csv'));
    });
  });

  it('validates the new requests at the host boundary', () => {
    expect(() => parseRequestArg('data.preview', { file: 'a.csv', kind: 'ratings' })).toThrow(/kind/);
    expect(() => parseRequestArg('data.users', { limit: 0 })).toThrow(/limit/);
    expect(() => parseRequestArg('eval.perUser', { run: 'r' })).toThrow(/model/);
    expect(parseRequestArg('data.users', { query: 'u', limit: 5 })).toEqual({ query: 'u', limit: 5 });
  });
});
