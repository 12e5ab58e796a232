import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from '../../main/engine/jobs/protocol.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';

const worker = new Worker(new URL('../fixtures/text/classify-job-worker.ts', import.meta.url));
const messages: FromWorker[] = [];
const waiters: (() => void)[] = [];
worker.on('message', (m: FromWorker) => {
  messages.push(m);
  waiters.splice(0).forEach((w) => w());
});
const post = (m: ToWorker) => worker.postMessage(m);

async function until(pred: (m: FromWorker) => boolean): Promise<FromWorker> {
  for (;;) {
    const found = messages.find(pred);
    if (found) return found;
    await new Promise<void>((r) => waiters.push(r));
  }
}

afterAll(() => worker.terminate());

describe('classify.train in a worker thread', () => {
  it('trains, streaming progress, and returns the result as data', async () => {
    await until((m) => m.type === 'ready');
    const outDir = mkdtempSync(join(tmpdir(), 'ty-clf-worker-'));
    post({ type: 'start', seq: 1, jobId: 'j1', kind: 'classify.train', arg: { data: topicTexts(600), outDir, params: { train: { epochs: 3 } } }, workspace: outDir });
    const done = await until((m) => m.type !== 'progress' && m.type !== 'log' && m.type !== 'ready' && m.jobId === 'j1');
    expect(done.type).toBe('done');
    const result = (done as Extract<FromWorker, { type: 'done' }>).result as { metrics: { accuracy: number }; training: { epochs: number } };
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
    expect(result.training.epochs).toBe(3);
    const progress = messages.filter((m): m is Extract<FromWorker, { type: 'progress' }> => m.type === 'progress' && m.jobId === 'j1');
    expect(progress.some((p) => p.update.stage === 'classify' && p.update.unit === 'step')).toBe(true);
    expect(existsSync(join(outDir, 'metrics.json'))).toBe(true);
  });

  it('a cancel message stops the job with kind cancelled', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'ty-clf-worker-'));
    post({ type: 'start', seq: 2, jobId: 'j2', kind: 'classify.train', arg: { data: topicTexts(3000), outDir, params: { train: { epochs: 50, patience: 50 } } }, workspace: outDir });
    await until((m) => m.type === 'progress' && m.jobId === 'j2');
    post({ type: 'cancel', seq: 3, jobId: 'j2' });
    const end = await until((m) => (m.type === 'done' || m.type === 'failed') && m.jobId === 'j2');
    expect(end).toMatchObject({ type: 'failed', error: { kind: 'cancelled' } });
  });

  it('bad input comes back as an invalid-input error', async () => {
    post({ type: 'start', seq: 4, jobId: 'j3', kind: 'classify.train', arg: { data: '/nonexistent/file.csv', outDir: tmpdir() }, workspace: tmpdir() });
    const end = await until((m) => (m.type === 'done' || m.type === 'failed') && m.jobId === 'j3');
    expect(end).toMatchObject({ type: 'failed', error: { kind: 'invalid-input', message: expect.stringContaining('cannot read') } });
  });
});
