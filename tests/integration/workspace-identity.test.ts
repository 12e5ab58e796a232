import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { runDatasetId } from '../../main/engine/runs/run-dataset.ts';
import { importDataset } from '../../main/engine/store/datasets.ts';
import { openWorkspaceDb } from '../../main/engine/store/db.ts';

/** 40 users with 6 events each over 30 items; `shift` moves every item id, so the data differs. */
function writeLog(file: string, shift: number): string {
  const lines = ['user_id,item_id,timestamp'];
  for (let u = 0; u < 40; u++) for (let e = 0; e < 6; e++) lines.push(`u${u},i${(u * 7 + e * 3 + shift) % 30},${1_600_000_000 + e * 86_400 + u}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('a run serves only against the data it was trained on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-identity-'));
  const ws = join(dir, 'ws');
  const trainedOn = writeLog(join(dir, 'a.csv'), 0);
  const otherData = writeLog(join(dir, 'b.csv'), 11);
  let engine: Engine | null = null;
  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function openWithNewDatabase(): Promise<Engine> {
    await engine?.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(ws, `trainyard.db${suffix}`), { force: true });
    engine = await createEngine({ workspace: ws, workers: 1 });
    return engine;
  }

  async function importFile(e: Engine, file: string): Promise<void> {
    const done = await e.waitForJob((await e.request('data.import', { interactions: file })).jobId);
    expect(done.error?.message).toBeUndefined();
  }

  it('refuses the old LATEST against other data in a recreated database, and serves again once its files are back', async () => {
    engine = await createEngine({ workspace: ws, workers: 1 });
    const done = await engine.waitForJob(
      (await engine.request('train.start', { config: { data: { interactions: trainedOn }, stages: ['popularity'] } })).jobId,
    );
    expect(done.error?.message).toBeUndefined();
    const run = done.result as TrainResult;
    const before = await engine.request('recommend', { user: 'u1', k: 5 });
    // u1's whole history with each event's time, newest first
    expect(before.history).toEqual([5, 4, 3, 2, 1, 0].map((e) => ({ item: `i${(7 + e * 3) % 30}`, ts: 1_600_000_000 + e * 86_400 + 1 })));

    // trainyard.db lost: a new one holds other data
    let e = await openWithNewDatabase();
    await importFile(e, otherData);
    const err = await e.request('recommend', { user: 'u1', k: 5 }).then(
      () => null,
      (x: unknown) => x as { kind: string; message: string },
    );
    expect(err?.kind).toBe('not-found');
    expect(err?.message).toMatch(new RegExp(`run ${run.runId} was trained on dataset \\d+ .*which trainyard.db no longer holds`));
    await expect(e.request('data.users', { run: run.runId })).rejects.toThrow(/no longer holds/);

    // the same files imported again, under a new id: the run serves exactly as before
    e = await openWithNewDatabase();
    await importFile(e, trainedOn);
    expect(await e.request('recommend', { user: 'u1', k: 5 })).toEqual(before);
  });

  it('refuses a dataset id that names other data, naming both fingerprints', async () => {
    const db = await openWorkspaceDb(join(dir, 'ids.db'));
    try {
      const other = await importDataset(db, { interactions: otherData }, silentContext());
      const recorded = { id: other.datasetId, fingerprint: 'f'.repeat(64), users: 40, items: 30, interactions: 240 };
      expect(() => runDatasetId(db, 'run_20260101T000000', recorded)).toThrow(
        new RegExp(
          `dataset ${other.datasetId} \\(fingerprint ffffffffffff\\), but dataset ${other.datasetId} in trainyard.db is other data \\(fingerprint ${other.fingerprint.slice(0, 12)}\\)`,
        ),
      );
    } finally {
      db.close();
    }
  });
});
