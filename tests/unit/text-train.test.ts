import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { silentContext, type ProgressUpdate, type TaskContext } from '../../main/engine/common/task-context.ts';
import { listCheckpoints } from '../../main/engine/classify/checkpoint.ts';
import { trainClassifier, type TrainClassifierOptions } from '../../main/engine/classify/classify.ts';
import { AdamW, gradientNorm, gradientsFor, learningRate, type Param } from '../../main/engine/classify/optimizer.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

const data = topicTexts(600);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `ty-text-${name}-`));
const bytes = (dir: string, file: string) => readFileSync(join(dir, file));

function recordingContext(onProgress?: (u: ProgressUpdate, controller: AbortController) => void): TaskContext & { events: ProgressUpdate[] } {
  const controller = new AbortController();
  const events: ProgressUpdate[] = [];
  return {
    signal: controller.signal,
    events,
    progress: (u) => {
      events.push(u);
      onProgress?.(u, controller);
    },
    log: () => {},
  };
}

const base = (outDir: string, train: Record<string, unknown> = {}): TrainClassifierOptions => ({
  data,
  outDir,
  model: 'fasttext',
  params: { seed: 3, train: { epochs: 6, patience: 10, batchSize: 16, ...train } },
});

describe('optimizer pieces', () => {
  it('warmup then linear decay', () => {
    expect([0, 3, 4, 12, 19].map((s) => learningRate(s, 1, 4, 20))).toEqual([0.25, 1, 1, 0.5, 1 - 15 / 16]);
    expect(learningRate(0, 0.1, 0, 10)).toBeCloseTo(0.1, 12);
  });

  it('lazy AdamW updates only touched rows and matches dense Adam on them', () => {
    const make = (sparse: boolean): Param => ({ name: 'e', data: Float32Array.from([1, 1, 2, 2, 3, 3]), shape: [3, 2], rowSparse: sparse, decay: true });
    const sparse = make(true);
    const dense = make(false);
    const gs = gradientsFor([sparse]);
    const gd = gradientsFor([dense]);
    const g0 = gs[0]!;
    const d0 = gd[0]!;
    if (g0.kind !== 'sparse' || d0.kind !== 'dense') throw new Error('layout');
    const at = g0.rows.slot(2);
    g0.rows.values.set([0.5, -1], at);
    d0.values.set([0, 0, 0, 0, 0.5, -1]);
    expect(gradientNorm(gs)).toBeCloseTo(Math.sqrt(1.25), 6);
    new AdamW([sparse], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }).step(gs, 0.1, 1);
    new AdamW([dense], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }).step(gd, 0.1, 1);
    expect(Array.from(sparse.data)).toEqual(Array.from(dense.data));
    expect(Array.from(sparse.data.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    // first Adam step moves each coordinate by lr against the gradient's sign
    expect(sparse.data[4]).toBeCloseTo(2.9, 5);
    expect(sparse.data[5]).toBeCloseTo(3.1, 5);
  });
});

describe('training loop through trainClassifier', () => {
  it('is deterministic for a seed and differs for another seed', async () => {
    const a = tmp('det-a');
    const b = tmp('det-b');
    const c = tmp('det-c');
    const ra = await trainClassifier(base(a, { epochs: 3 }), silentContext());
    const rb = await trainClassifier(base(b, { epochs: 3 }), silentContext());
    await trainClassifier({ ...base(c, { epochs: 3 }), params: { seed: 4, train: { epochs: 3, patience: 10, batchSize: 16 } } }, silentContext());
    expect(rb.metrics).toEqual(ra.metrics);
    expect(bytes(b, 'embeddings.npy').equals(bytes(a, 'embeddings.npy'))).toBe(true);
    expect(bytes(c, 'embeddings.npy').equals(bytes(a, 'embeddings.npy'))).toBe(false);
  });

  it('reports progress per step and validation metrics per epoch', async () => {
    const ctx = recordingContext();
    await trainClassifier(base(tmp('progress'), { epochs: 2 }), ctx);
    const steps = ctx.events.filter((e) => e.metrics && 'lr' in e.metrics);
    const epochs = ctx.events.filter((e) => e.metrics && 'val_accuracy' in e.metrics);
    expect(steps.length).toBeGreaterThanOrEqual(4);
    for (const e of steps) {
      expect(e).toMatchObject({ stage: 'classify', unit: 'step', total: ctx.events.at(-1)!.total });
      expect(Object.keys(e.metrics!).sort()).toEqual(['epoch', 'examplesPerSec', 'loss', 'lr']);
    }
    expect(epochs.map((e) => e.metrics!.epoch)).toEqual([1, 2]);
    expect(epochs[1]!.metrics).toMatchObject({ val_loss: expect.any(Number), val_macro_f1: expect.any(Number), train_loss: expect.any(Number) });
    expect(epochs[1]!.current).toBe(epochs[1]!.total);
  });

  it('keeps the best 2 checkpoints and ends on the best weights', async () => {
    const dir = tmp('best2');
    const r = await trainClassifier(base(dir), silentContext());
    const kept = listCheckpoints(join(dir, 'checkpoints'));
    expect(kept).toHaveLength(2);
    const byLoss = [...r.training.history].sort((x, y) => x.validation.loss! - y.validation.loss!);
    expect(kept.map((k) => k.state.epoch + 1).sort()).toEqual(
      byLoss
        .slice(0, 2)
        .map((h) => h.epoch)
        .sort(),
    );
    expect(r.training.bestEpoch).toBe(byLoss[0]!.epoch);
    const best = kept.find((k) => k.state.epoch + 1 === r.training.bestEpoch)!;
    expect(bytes(best.dir, 'embeddings.npy').equals(bytes(dir, 'embeddings.npy'))).toBe(true);
    for (const f of ['embeddings.adam_m.npy', 'embeddings.adam_v.npy', 'output.npy', 'bias.npy', 'state.json'])
      expect(existsSync(join(best.dir, f))).toBe(true);
  });

  it('a fresh run in a used folder starts its checkpoints over', async () => {
    const dir = tmp('reuse');
    await trainClassifier(base(dir, { epochs: 6 }), silentContext());
    const r = await trainClassifier(base(dir, { epochs: 2 }), silentContext());
    expect(listCheckpoints(join(dir, 'checkpoints')).every((c) => c.state.epoch < 2)).toBe(true);
    expect(r.training.epochs).toBe(2);
  });

  it('stops early when the validation metric stops improving', async () => {
    const r = await trainClassifier(
      { data: topicTexts(300, 9, 0), outDir: tmp('early'), model: 'fasttext', params: { train: { epochs: 30, patience: 2, metric: 'accuracy' } } },
      silentContext(),
    );
    expect(r.training.stoppedEarly).toBe(true);
    expect(r.training.epochs).toBe(r.training.bestEpoch + 2);
    const accs = r.training.history.map((h) => h.validation.accuracy!);
    expect(accs[r.training.bestEpoch - 1]).toBe(Math.max(...accs));
  });

  it('is cancellable between steps', async () => {
    const dir = tmp('cancel');
    const ctx = recordingContext((_u, c) => c.abort());
    const err = await trainClassifier(base(dir), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).kind).toBe('cancelled');
    expect(ctx.events.map((e) => e.current)).toEqual([1]);
    expect(existsSync(join(dir, 'metrics.json'))).toBe(false);
  });

  it('resumes after a cancel and ends exactly where an uninterrupted run ends', async () => {
    const full = tmp('resume-full');
    const rFull = await trainClassifier(base(full), silentContext());
    const cut = tmp('resume-cut');
    const ctx = recordingContext((u, c) => {
      if (u.metrics?.val_loss !== undefined && u.metrics.epoch === 3) c.abort();
    });
    await expect(trainClassifier(base(cut), ctx)).rejects.toMatchObject({ kind: 'cancelled' });
    expect(readdirSync(join(cut, 'checkpoints')).length).toBeGreaterThan(0);
    // only the best 2 survive, so the newest one may be older than epoch 3; the replay is exact either way
    const newest = listCheckpoints(join(cut, 'checkpoints')).at(-1)!.state.epoch + 1;
    expect(newest).toBeLessThanOrEqual(3);
    const rResumed = await trainClassifier(base(cut, { resume: true }), silentContext());
    expect(rResumed.training.resumedFrom).toBe(newest);
    expect(rResumed.training.history.map((h) => h.validation)).toEqual(rFull.training.history.map((h) => h.validation));
    expect(rResumed.metrics).toEqual(rFull.metrics);
    expect(bytes(cut, 'embeddings.npy').equals(bytes(full, 'embeddings.npy'))).toBe(true);
  });

  it('refuses to resume a checkpoint of other data', async () => {
    const dir = tmp('resume-other');
    await trainClassifier(base(dir, { epochs: 2 }), silentContext());
    const other = { ...base(dir, { epochs: 2, resume: true }), data: topicTexts(600, 8) };
    await expect(trainClassifier(other, silentContext())).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('different data or parameters'),
    });
  });
});
