import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import type { OutsideListReport, RunManifest, RunMetrics } from '../../main/common/contracts/runs.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';

/**
 * A log with taste groups and coarse (hourly) timestamps, so many users have several events in
 * the same second as their last one.
 */
function writeLog(dir: string): string {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['user_id,item_id,rating,timestamp'];
  for (let u = 0; u < 120; u++) {
    for (let e = 0; e < 10; e++) {
      const g = rand() < 0.8 ? u % 3 : Math.floor(rand() * 3);
      lines.push(`u${u},i${g * 30 + Math.floor(rand() ** 2 * 30)},${1 + Math.floor(rand() * 5)},${1_600_000_000 + Math.floor(e / 2) * 3600}`);
    }
  }
  const file = join(dir, 'interactions.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

type Row = Record<string, string>;
const readCsv = (file: string): Row[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Row[];

/**
 * Recall@K and NDCG@K from the exported files alone, written here from the textbook definitions
 * (independent of main/engine/eval): test items = distinct in_train = 0 items of test.csv per user.
 */
function recomputeFromFiles(runDir: string, model: string, k: number): { recall: number; ndcg: number; users: number } {
  const testItems = new Map<string, Set<string>>();
  for (const r of readCsv(join(runDir, 'split', 'test.csv'))) {
    if (r.in_train !== '0') continue;
    if (!testItems.has(r.user!)) testItems.set(r.user!, new Set());
    testItems.get(r.user!)!.add(r.item!);
  }
  const train = new Set(readCsv(join(runDir, 'split', 'train.csv')).map((r) => `${r.user}\u0000${r.item}`));
  let recall = 0;
  let ndcg = 0;
  const perUser = readCsv(join(runDir, model, 'per_user.csv'));
  for (const row of perUser) {
    const relevant = testItems.get(row.user!)!;
    const top = (JSON.parse(row.top_items!) as string[]).slice(0, k);
    for (const item of top) expect(train.has(`${row.user}\u0000${item}`), `${model} recommends a training item`).toBe(false);
    const hits = top.map((item) => (relevant.has(item) ? 1 : 0));
    recall += hits.reduce((a: number, b) => a + b, 0) / relevant.size;
    const dcg = hits.reduce((sum: number, h, r) => sum + h / Math.log2(r + 2), 0);
    let idcg = 0;
    for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
    ndcg += dcg / idcg;
  }
  // every user with a test item is evaluated, and only those
  expect(new Set(perUser.map((r) => r.user))).toEqual(new Set(testItems.keys()));
  return { recall: recall / perUser.length, ndcg: ndcg / perUser.length, users: perUser.length };
}

describe('evaluation anyone can check', () => {
  let engine: Engine;
  let log: string;
  let run: TrainResult;
  let metrics: RunMetrics;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-eval-art-'));
    log = writeLog(dir);
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
    const { jobId } = await engine.request('train.start', {
      config: { data: { interactions: log } },
      set: ['stages=[popularity,als]', 'als.factors=8', 'als.iterations=3', 'eval.ks=[5,10,20]'],
    });
    const done = await engine.waitForJob(jobId);
    expect(done.error?.message).toBeUndefined();
    run = done.result as TrainResult;
    metrics = JSON.parse(readFileSync(join(run.runDir, 'metrics.json'), 'utf8')) as RunMetrics;
  });
  afterAll(async () => engine.close());

  it('exports the split next to the dataset fingerprint, with counts that add up', () => {
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    const split = JSON.parse(readFileSync(join(run.runDir, 'split', 'split.json'), 'utf8')) as Record<string, unknown> & { counts: Record<string, number> };
    expect(split).toMatchObject({ dataset: { fingerprint: manifest.dataset!.fingerprint }, method: 'last1', ties: 'random', seed: 42, cutoff: null });
    expect(manifest.split).toMatchObject({ ties: 'random', seed: 42, tiedBoundaryUsers: split.counts.tiedBoundaryUsers });
    const train = readCsv(join(run.runDir, 'split', 'train.csv'));
    const test = readCsv(join(run.runDir, 'split', 'test.csv'));
    expect(Object.keys(train[0]!)).toEqual(['user', 'item', 'timestamp', 'rating']);
    expect(Object.keys(test[0]!)).toEqual(['user', 'item', 'timestamp', 'rating', 'in_train']);
    expect(train.length + test.length + split.counts.droppedAfterCutoff!).toBe(manifest.dataset!.interactions);
    expect(test.length).toBe(split.counts.testEvents);
    expect(test.filter((r) => r.in_train === '1').length).toBe(split.counts.repeatTestItems);
    // the held-out event is the user's last: no training event is later
    const lastTrain = new Map<string, number>();
    for (const r of train) lastTrain.set(r.user!, Math.max(lastTrain.get(r.user!) ?? 0, Number(r.timestamp)));
    for (const r of test) expect(Number(r.timestamp)).toBeGreaterThanOrEqual(lastTrain.get(r.user!)!);
    // events come in pairs per hour, so most users' held-out event ties with a training event
    const tied = test.filter((r) => Number(r.timestamp) === lastTrain.get(r.user!)).length;
    expect(tied).toBeGreaterThan(100);
    expect(split.counts.tiedBoundaryUsers).toBe(tied);
  });

  it('recall@10 and NDCG@10 recomputed from the exported files match metrics.json', () => {
    for (const model of ['popularity', 'als']) {
      const again = recomputeFromFiles(run.runDir, model, 10);
      expect(again.users).toBe(metrics.users.evaluated);
      expect(again.recall).toBeCloseTo(metrics.models[model]!['recall@10']!, 12);
      expect(again.ndcg).toBeCloseTo(metrics.models[model]!['ndcg@10']!, 12);
    }
  });

  /** The per-user top-K lists of a model, as user → items best first. */
  function topLists(model: string): Map<string, string[]> {
    return new Map(readCsv(join(run.runDir, model, 'per_user.csv')).map((r) => [r.user!, JSON.parse(r.top_items!) as string[]]));
  }

  function writeRecommendations(name: string, header: string, rows: (string | number)[][]): string {
    const file = join(run.runDir, '..', '..', `${name}.csv`);
    writeFileSync(file, [header, ...rows.map((r) => r.join(','))].join('\n') + '\n');
    return file;
  }

  it("the engine's own top-K lists fed back through --recommendations score exactly as the model", async () => {
    for (const [model, by] of [
      ['als', 'rank'],
      ['popularity', 'score'],
    ] as const) {
      const rows: (string | number)[][] = [];
      for (const [user, items] of topLists(model)) items.forEach((item, r) => rows.push(by === 'rank' ? [user, item, r + 1] : [user, item, (100 - r) / 7]));
      // the file's row order must not matter: reversed
      const file = writeRecommendations(`echo-${model}`, `user,item,${by}`, rows.reverse());
      const scored = await engine.request('eval.run', { run: run.runId, recommendations: file, name: `echo-${model}` });
      const name = `external:echo-${model}`;
      expect(scored.models[name]).toEqual(metrics.models[model]);
      expect(scored.intervals[name]).toEqual(metrics.intervals[model]);
      expect(scored.segments[name]).toEqual(metrics.segments[model]);
      expect(scored.external![name]).toMatchObject({
        order: by,
        rows: rows.length,
        users: metrics.users.evaluated,
        k: 20,
        unknownUsers: { users: 0, rows: 0 },
        unknownItems: { rows: 0 },
        duplicates: 0,
        seenItems: 0,
        beyondK: 0,
        missingUsers: 0,
        shortLists: 0,
      });
    }
    // written into the run's metrics.json beside the run's own models, which are unchanged
    const onDisk = JSON.parse(readFileSync(join(run.runDir, 'metrics.json'), 'utf8')) as RunMetrics;
    expect(Object.keys(onDisk.models).sort()).toEqual(['als', 'external:echo-als', 'external:echo-popularity', 'popularity']);
    expect(onDisk.models.als).toEqual(metrics.models.als);
    const perUser = await engine.request('eval.perUser', { run: run.runId, model: 'external:echo-als' });
    expect(perUser.csv).toBe(readFileSync(join(run.runDir, 'als', 'per_user.csv'), 'utf8'));
  });

  it('counts unknown users and items, duplicates, seen items, missing users and short lists', async () => {
    const lists = [...topLists('als')];
    const [a, aItems] = lists[0]!;
    const [b] = lists[1]!;
    const [c, cItems] = lists[2]!;
    const seen = readCsv(join(run.runDir, 'split', 'train.csv')).find((r) => r.user === a)!.item!;
    const rows: (string | number)[][] = [];
    for (const [user, items] of lists.slice(3)) items.forEach((item, r) => rows.push([user, item, r + 1]));
    aItems.forEach((item, r) => rows.push([a, item, r + 1]));
    rows.push([a, 'nope', 0], [a, aItems[0]!, 30], [a, seen, 0.5]);
    cItems.slice(0, 3).forEach((item, r) => rows.push([c, item, r + 1]));
    rows.push(['ghost', aItems[0]!, 1], ['ghost', aItems[1]!, 2]);
    const file = writeRecommendations('messy', 'User,Item,Rank', rows);
    const scored = await engine.request('eval.run', { run: run.runId, recommendations: file });
    const report: OutsideListReport = scored.external!['external:messy']!;
    expect(report).toMatchObject({
      file: 'messy.csv',
      order: 'rank',
      rows: rows.length,
      // every test user but b, and ghost
      users: lists.length,
      unknownUsers: { users: 1, rows: 2, examples: ['ghost'] },
      unknownItems: { rows: 1, examples: ['nope'] },
      notTestUsers: { users: 0, rows: 0 },
      duplicates: 1,
      seenItems: 1,
      missingUsers: 1,
      shortLists: 1,
    });
    // b has no list: every metric of b is 0, so the mean is below the model's
    expect(b).toBeDefined();
    expect(scored.models['external:messy']!['recall@20']).toBeLessThan(metrics.models.als!['recall@20']!);
    expect(scored.models['external:messy']!['recall@20']).toBeGreaterThan(0);
  });

  it('refuses unusable files and arguments with the file, line and column', async () => {
    const noRank = writeRecommendations('no-rank', 'user,item,weight', [['u1', 'i1', 1]]);
    await expect(engine.request('eval.run', { run: run.runId, recommendations: noRank })).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringMatching(/user, item and rank or score; the file has user, item, weight/),
    });
    const badRank = writeRecommendations('bad-rank', 'user,item,rank', [
      ['u1', 'i1', 1],
      ['u1', 'i2', 'second'],
    ]);
    await expect(engine.request('eval.run', { run: run.runId, recommendations: badRank })).rejects.toMatchObject({
      kind: 'invalid-input',
      details: expect.objectContaining({ line: 3, column: 'rank' }),
    });
    const good = writeRecommendations('good', 'user,item,rank', [['u1', 'i1', 1]]);
    await expect(engine.request('eval.run', { run: run.runId, recommendations: good, ks: [5] })).rejects.toMatchObject({
      kind: 'invalid-input',
      details: { field: 'ks' },
    });
    await expect(engine.request('eval.run', { run: run.runId, recommendations: good, name: '../up' })).rejects.toMatchObject({
      kind: 'invalid-input',
      details: expect.objectContaining({ field: 'name' }),
    });
    // nothing was added for the refused requests
    const onDisk = JSON.parse(readFileSync(join(run.runDir, 'metrics.json'), 'utf8')) as RunMetrics;
    expect(Object.keys(onDisk.models).filter((m) => /no-rank|bad-rank|good/.test(m))).toEqual([]);
  });

  async function trainWith(set: string[]): Promise<TrainResult> {
    const { jobId } = await engine.request('train.start', {
      config: { data: { interactions: log } },
      set: ['stages=[popularity,als]', 'als.iterations=3', 'eval.ks=[5,10,20]', ...set],
    });
    const done = await engine.waitForJob(jobId);
    expect(done.error?.message).toBeUndefined();
    return done.result as TrainResult;
  }

  it('pairs two models of one run user by user, says which metrics coincide under last1, and gives a verdict', async () => {
    const c = await engine.request('eval.compare', { a: { run: run.runId, model: 'popularity' }, b: { run: run.runId, model: 'als' } });
    expect(c.comparable).toBe(true);
    expect(c.users).toBe(metrics.users.evaluated);
    expect(c.metrics.map((m) => m.metric)).toEqual(['ndcg@10', 'recall@10', 'precision@10', 'map@10']);
    // last1 and one test item per user: HitRate is Recall and MRR is MAP, so they are tested once
    expect(c.sameAs).toEqual({ 'hitrate@10': 'recall@10', 'mrr@10': 'map@10' });
    const ndcg = c.metrics[0]!;
    expect(ndcg.a).toBeCloseTo(metrics.models.popularity!['ndcg@10']!, 12);
    expect(ndcg.b).toBeCloseTo(metrics.models.als!['ndcg@10']!, 12);
    expect(ndcg.diff).toBeCloseTo(ndcg.b - ndcg.a, 12);
    expect(ndcg.ci95[0]).toBeLessThan(ndcg.diff);
    expect(ndcg.pTAdjusted).toBeGreaterThanOrEqual(ndcg.pT);
    expect(c.verdict).toBe(ndcg.verdict);
    expect(c.verdict).toMatch(
      /^(als beats popularity on NDCG@10 by|popularity beats als on NDCG@10 by|no significant difference between als and popularity on NDCG@10|NDCG@10: inconclusive)/,
    );
    // a model against its own lists fed back from outside: no difference at all
    const same = await engine.request('eval.compare', { a: { run: run.runId, model: 'als' }, b: { run: run.runId, model: 'external:echo-als' } });
    expect(same.metrics.every((m) => m.diff === 0 && m.pT === 1 && m.pWilcoxon === 1 && m.better === null)).toBe(true);
    expect(same.verdict).toBe('no significant difference between external:echo-als and als on NDCG@10: 0.0000 [0.0000, 0.0000]');
  });

  it('pairs two runs only when data and split are equal; otherwise names what differs', async () => {
    const all = await trainWith(['split.ties=all', 'als.factors=8']);
    const allManifest = JSON.parse(readFileSync(join(all.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    // the tie rule is part of the split, so stage caches keyed on the split are not reused
    expect(allManifest.stages.find((st) => st.name === 'popularity')!.status).toBe('succeeded');
    expect(allManifest.split).toMatchObject({ ties: 'all', seed: null });
    const apart = await engine.request('eval.compare', { a: { run: run.runId, model: 'als' }, b: { run: all.runId, model: 'als' } });
    expect(apart.comparable).toBe(false);
    expect(apart.metrics).toEqual([]);
    expect(apart.differences.map((d) => d.key)).toEqual(expect.arrayContaining(['split.ties', 'split.seed (breaks ties)']));
    expect(apart.verdict).toMatch(/^not comparable: the runs differ in .*split\.ties/);

    const again = await trainWith(['split.ties=all', 'als.factors=4']);
    const againManifest = JSON.parse(readFileSync(join(again.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(againManifest.stages.find((st) => st.name === 'popularity')).toMatchObject({ status: 'cached', cachedFrom: all.runId });
    const paired = await engine.request('eval.compare', { a: { run: all.runId, model: 'als' }, b: { run: again.runId, model: 'als' } });
    expect(paired.comparable).toBe(true);
    expect(paired.b.label).toBe(`als (${again.runId})`);
    expect(paired.users).toBe(againManifest.split!.testUsers);
    // leave-last-timestamp-out holds out both events of the last hour: several test items per user
    expect(paired.sameAs).toEqual({});
    expect(paired.metrics).toHaveLength(6);
  });

  it('refuses to evaluate a run split before tie rules: its test events cannot be rebuilt', async () => {
    const file = join(run.runDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
    delete manifest.split!.ties;
    writeFileSync(file, JSON.stringify(manifest));
    await expect(engine.request('eval.run', { run: run.runId })).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/before tie rules/),
    });
  });
});
