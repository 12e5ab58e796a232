import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import type { EngineError } from '../../main/common/contracts/errors.ts';
import { generateSample } from '../../main/engine/data/generate.ts';
import { WorkerEmbeddingProvider } from '../../main/engine/embed/worker-provider.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { HYBRID_WEIGHT_SEARCH, hybridValidationStage } from '../../main/engine/recsys/stages.ts';

describe('engine: semantic index, search and hybrid recommendations', () => {
  let engine: Engine;
  let sample: { interactions: string; items: string };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-semantic-'));
    sample = await generateSample({ out: join(dir, 'sample'), users: 600, items: 300, interactions: 15_000, seed: 9 }, silentContext());
    engine = await createEngine({ workspace: join(dir, 'ws'), workers: 1 });
  });
  afterAll(async () => engine.close());

  async function train(config: Record<string, unknown>, set: string[] = []): Promise<TrainResult> {
    const done = await engine.waitForJob((await engine.request('train.start', { config, set })).jobId);
    expect(done.error?.message).toBeUndefined();
    return done.result as TrainResult;
  }

  it('a catalogue alone is a valid run: index it, then search returns items with all their metadata', async () => {
    const run = await train({ data: { items: sample.items }, stages: ['semantic'] });
    expect(run.metrics).toEqual({});
    const { results: hits, query } = await engine.request('search', { run: run.runId, query: 'garlic recipe for dinner', k: 5 });
    expect(hits).toHaveLength(5);
    expect(query.used).toContain('garlic');
    // no word the catalogue or the GloVe vectors know: an empty answer naming the words, not five items of score 0
    expect(await engine.request('search', { run: run.runId, query: 'Zorgle flurbo', k: 5 })).toEqual({
      results: [],
      query: { used: [], unknown: ['zorgle', 'flurbo'] },
    });
    // an English word the catalogue never uses: GloVe places it
    expect((await engine.request('search', { run: run.runId, query: 'blimp', k: 5 })).query).toEqual({ used: ['blimp'], unknown: [] });
    expect(Object.keys(hits[0]!.metadata).sort()).toEqual(['category', 'description', 'item_id', 'title']);
    const category = hits[0]!.metadata.category!;
    const { results: filtered } = await engine.request('search', { run: run.runId, query: 'garlic recipe for dinner', k: 5, filters: { category } });
    expect(filtered.every((h) => h.metadata.category === category)).toBe(true);
    const similar = await engine.request('similar', { run: run.runId, item: hits[0]!.item, k: 3 });
    expect(similar.map((s) => s.item)).not.toContain(hits[0]!.item);
  });

  it('serves two runs at once: interleaved searches never close the other run mid-request', async () => {
    const a = await train({ data: { items: sample.items }, stages: ['semantic'] }, ['semantic.dimensions=8']);
    const b = await train({ data: { items: sample.items }, stages: ['semantic'] }, ['semantic.dimensions=12']);
    const queries = ['garlic recipe for dinner', 'space rocket launch', 'football match', 'bread and butter'];
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => engine.request('search', { run: i % 2 ? a.runId : b.runId, query: queries[i % 4]!, k: 3 })),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    // each answer comes from its own run's index: the same as asking that run alone
    for (const i of [1, 2]) {
      const alone = await engine.request('search', { run: i % 2 ? a.runId : b.runId, query: queries[i]!, k: 3 });
      expect((results[i] as PromiseFulfilledResult<unknown>).value).toEqual(alone);
    }
  });

  it('deleting a served run closes its index and query encoder', async () => {
    const older = await train({ data: { items: sample.items }, stages: ['semantic'] }, ['semantic.dimensions=10']);
    await train({ data: { items: sample.items }, stages: ['semantic'] }, ['semantic.dimensions=14']);
    await engine.request('search', { run: older.runId, query: 'garlic', k: 2 });
    const dispose = vi.spyOn(WorkerEmbeddingProvider.prototype, 'dispose');
    try {
      await engine.request('runs.delete', { run: older.runId });
      await vi.waitFor(() => expect(dispose).toHaveBeenCalledTimes(1));
    } finally {
      dispose.mockRestore();
    }
  });

  it('trains semantic and hybrid beside CF, evaluates them all and answers every mode', async () => {
    const alsIterations = new Map<string, number[]>();
    const candidates: number[] = [];
    const stagesDone: number[] = [];
    const off = engine.on('job.progress', (p) => {
      if (p.unit === 'iteration') alsIterations.set(p.stage, [...(alsIterations.get(p.stage) ?? []), p.current]);
      if (p.stage === HYBRID_WEIGHT_SEARCH) candidates.push(p.current);
      if (p.stage === 'run') stagesDone.push(p.current);
    });
    const run = await train({ data: { interactions: sample.interactions, items: sample.items }, stages: ['als', 'hybrid'] }, [
      'als.factors=16',
      'als.iterations=6',
      'hybrid.validationUsers=300',
    ]);
    off();
    // The hybrid stage's validation ALS is its own series, not a continuation of the main ALS.
    expect(Object.fromEntries(alsIterations)).toEqual({ als: [1, 2, 3, 4, 5, 6], [hybridValidationStage('als')]: [1, 2, 3, 4, 5, 6] });
    // the weight search is one bar of 11 candidates; the run reports stages done of stages planned
    expect(candidates).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(stagesDone).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(run.metrics).sort()).toEqual(['als', 'hybrid', 'popularity', 'semantic']);
    // the generated log has taste structure: every model finds some held-out items, CF more than popularity
    for (const m of Object.values(run.metrics)) expect(m['ndcg@10']).toBeGreaterThan(0);
    expect(run.metrics.als!['ndcg@10']).toBeGreaterThan(run.metrics.popularity!['ndcg@10']!);
    const detail = await engine.request('runs.show', { run: run.runId });
    const hybrid = detail.manifest.stages.find((s) => s.name === 'hybrid')!;
    expect(hybrid.effective?.tuned).toBe(true);
    // the chosen weight is the candidate with the best validation NDCG@10
    const tuning = JSON.parse(readFileSync(join(engine.workspace.runs, run.runId, 'hybrid', 'hybrid.json'), 'utf8')) as {
      weight: number;
      validation: { weight: number; ndcg10: number }[];
    };
    expect(tuning.validation.map((v) => v.weight)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(hybrid.effective?.weight).toBe(tuning.weight);
    expect(tuning.validation.find((v) => v.weight === tuning.weight)!.ndcg10).toBe(Math.max(...tuning.validation.map((v) => v.ndcg10)));

    const user = 'u00001';
    for (const mode of ['baseline', 'cf', 'semantic', 'hybrid', 'auto'] as const) {
      const rec = await engine.request('recommend', { user, k: 5, mode });
      expect(rec.items, mode).toHaveLength(5);
      const seen = new Set(rec.history.map((h) => h.item));
      expect(
        rec.items.some((i) => seen.has(i.item)),
        mode,
      ).toBe(false);
      // the catalogue's category beside each title, the history most recent first
      expect(
        rec.items.every((i) => typeof i.category === 'string' && i.category !== ''),
        mode,
      ).toBe(true);
      expect(
        rec.history.every((h, j) => j === 0 || (rec.history[j - 1]!.ts >= h.ts && h.category !== undefined)),
        mode,
      ).toBe(true);
    }
    // content answers share one kernel scorer per run: each user still gets their own, whatever came before
    const semanticFor = async (u: string) => (await engine.request('recommend', { user: u, k: 5, mode: 'semantic' })).items;
    const first = await semanticFor('u00001');
    const other = await semanticFor('u00002');
    expect(other).not.toEqual(first);
    expect(await semanticFor('u00001')).toEqual(first);
    const byContent = await engine.request('similar', { item: 'i00001', k: 3, by: 'content' });
    expect(byContent).toHaveLength(3);

    // A quick ALS-only experiment does not replace the LATEST run that serves semantic search.
    const quick = await train({ data: { interactions: sample.interactions, items: sample.items }, stages: ['als'] }, ['als.factors=8', 'als.iterations=2']);
    expect(quick.promoted).toBe(false);
    expect(quick.promotion).toContain(`LATEST stays ${run.runId}`);
    expect((await engine.request('workspace.info', undefined)).latestRunId).toBe(run.runId);
    expect((await engine.request('search', { query: 'garlic recipe', k: 2 })).results).toHaveLength(2);
    // Asked directly, the ALS-only run names a run that can answer.
    const refused = await engine.request('search', { run: quick.runId, query: 'garlic recipe', k: 2 }).then(
      () => null,
      (err: EngineError) => err,
    );
    expect(refused?.message).toMatch(new RegExp(`^run ${quick.runId} has no semantic index; run run_\\S+ has one`));
    const named = (refused!.details as { runWithStage: string }).runWithStage;
    expect((await engine.request('runs.show', { run: named })).manifest.stages.map((s) => s.name)).toContain('semantic');
  });

  it('blends the CF model hybrid.cf names: trained instead of ALS, evaluated, served and explained as that model', async () => {
    const data = { interactions: sample.interactions, items: sample.items };
    // At weight 1 the blend is the CF model's ranking: its metrics and answers are ItemKNN's.
    const knn = await train({ data, stages: ['hybrid'] }, ['hybrid.cf=itemknn', 'hybrid.weight=1', 'itemknn.neighbours=20']);
    const knnDetail = await engine.request('runs.show', { run: knn.runId });
    expect(knnDetail.manifest.stages.map((s) => s.name)).toEqual(['popularity', 'itemknn', 'semantic', 'hybrid']);
    expect(knnDetail.manifest.stages.find((s) => s.name === 'hybrid')!.effective).toEqual({ cf: 'itemknn', weight: 1, tuned: false });
    expect(JSON.parse(readFileSync(join(knn.runDir, 'hybrid', 'hybrid.json'), 'utf8'))).toMatchObject({ cf: 'itemknn', weight: 1 });
    for (const metric of ['ndcg@10', 'recall@10', 'map@10']) expect(knn.metrics.hybrid![metric], metric).toBeCloseTo(knn.metrics.itemknn![metric]!, 6);
    const user = 'u00001';
    const asked = async (mode: 'hybrid' | 'itemknn') => (await engine.request('recommend', { run: knn.runId, user, k: 5, mode })).items;
    const [blended, neighbours] = [await asked('hybrid'), await asked('itemknn')];
    expect(blended.map((i) => [i.item, i.because?.map((b) => b.item)])).toEqual(neighbours.map((i) => [i.item, i.because?.map((b) => b.item)]));
    expect(blended.every((i) => (i.because?.length ?? 0) > 0)).toBe(true);

    // Tuned, EASE's validation model is its own series and the chosen weight's metrics are EASE's blend.
    const stages = new Set<string>();
    const off = engine.on('job.progress', (p) => stages.add(p.stage));
    const ease = await train({ data, stages: ['hybrid'] }, ['hybrid.cf=ease', 'hybrid.validationUsers=300']);
    off();
    expect(stages).toContain(hybridValidationStage('ease'));
    expect([...stages].some((s) => s.includes('ALS') || s === 'als')).toBe(false);
    const easeDetail = await engine.request('runs.show', { run: ease.runId });
    expect(easeDetail.manifest.stages.map((s) => s.name)).toEqual(['popularity', 'ease', 'semantic', 'hybrid']);
    expect(easeDetail.manifest.stages.find((s) => s.name === 'hybrid')!.effective).toMatchObject({ cf: 'ease', tuned: true });
    const served = await engine.request('recommend', { run: ease.runId, user, k: 5, mode: 'hybrid' });
    const history = new Set(served.history.map((h) => h.item));
    expect(served.items.every((i) => (i.because?.length ?? 0) > 0 && i.because!.every((b) => history.has(b.item)))).toBe(true);
    // a run whose blended CF model lost its artifact fails hybrid answers, naming it, rather than blending another model
    const lost = await train({ data, stages: ['hybrid'] }, ['hybrid.cf=itemknn', 'hybrid.weight=0.5', 'itemknn.neighbours=20']);
    rmSync(join(lost.runDir, 'itemknn'), { recursive: true });
    await expect(engine.request('recommend', { run: lost.runId, user, k: 5, mode: 'hybrid' })).rejects.toThrow(
      `the itemknn model is missing runs/${lost.runId}/itemknn`,
    );
  });

  it('a trained model whose artifacts are gone is reported, naming them, never replaced by another model', async () => {
    const run = await train({ data: { interactions: sample.interactions, items: sample.items }, stages: ['als', 'semantic'] }, [
      'als.factors=8',
      'als.iterations=3',
    ]);
    rmSync(join(run.runDir, 'als'), { recursive: true });
    const auto = await engine.request('recommend', { run: run.runId, user: 'u00001', k: 5 }).then(
      () => null,
      (e: unknown) => e as EngineError,
    );
    expect(auto?.message).toMatch(`the als model is missing runs/${run.runId}/als`);
    expect(auto?.message).toMatch('auto mode picked cf');
    expect(auto?.details?.file).toBe(join(run.runDir, 'als'));
    await expect(engine.request('recommend', { run: run.runId, user: 'u00001', k: 5, mode: 'cf' })).rejects.toThrow(`runs/${run.runId}/als`);
    await expect(engine.request('similar', { run: run.runId, item: 'i00001', k: 3 })).rejects.toThrow(`runs/${run.runId}/als`);
    // the models that are there still answer when asked for
    expect((await engine.request('recommend', { run: run.runId, user: 'u00001', k: 5, mode: 'semantic' })).items).toHaveLength(5);
    expect((await engine.request('recommend', { run: run.runId, user: 'nobody-knows-me', k: 5 })).usedMode).toBe('baseline');
  });
});
