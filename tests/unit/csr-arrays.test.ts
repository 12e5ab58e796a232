import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromCoo, transposeCsr } from '../../main/engine/data/csr.ts';
import { loadIds, loadNpy, readArtifactJson, saveIds, saveNpy } from '../../main/engine/runs/arrays.ts';

describe('csrFromCoo', () => {
  it('sorts columns within rows and sums duplicates', () => {
    const m = csrFromCoo(3, 4, Int32Array.from([2, 0, 0, 2, 0]), Int32Array.from([1, 3, 0, 1, 3]), Float32Array.from([1, 2, 3, 4, 5]));
    expect(Array.from(m.indptr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(m.indices)).toEqual([0, 3, 1]);
    expect(Array.from(m.data)).toEqual([3, 7, 5]);
  });

  it('transposes', () => {
    const m = csrFromCoo(2, 3, Int32Array.from([0, 0, 1]), Int32Array.from([0, 2, 2]), null);
    const t = transposeCsr(m);
    expect(Array.from(t.indptr)).toEqual([0, 1, 1, 3]);
    expect(Array.from(t.indices)).toEqual([0, 0, 1]);
  });
});

describe('npy arrays', () => {
  it('round-trips float32 matrices and id lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-npy-'));
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    saveNpy(join(dir, 'a.npy'), a, [2, 3]);
    const back = loadNpy(join(dir, 'a.npy'));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, 6]);
    saveIds(join(dir, 'ids.txt'), ['u1', 'u 2', '']);
    expect(loadIds(join(dir, 'ids.txt'))).toEqual(['u1', 'u 2', '']);
  });
});

describe('missing artifacts', () => {
  it('name the run and the file, with what to do, instead of a raw ENOENT', () => {
    const run = join(mkdtempSync(join(tmpdir(), 'ty-missing-')), 'runs', 'run_20240101T000000Z');
    const expectMissing = (load: () => unknown, message: string) => {
      expect(load).toThrow(expect.objectContaining({ kind: 'not-found', message }));
    };
    expectMissing(() => loadNpy(join(run, 'als', 'item_factors.npy')), 'run run_20240101T000000Z is missing als/item_factors.npy; retrain or delete it');
    expectMissing(() => loadIds(join(run, 'users.txt')), 'run run_20240101T000000Z is missing users.txt; retrain or delete it');
    expectMissing(() => readArtifactJson(join(run, 'popularity', 'popularity.json')), 'run run_20240101T000000Z is missing popularity/popularity.json; retrain or delete it');
    expectMissing(() => loadIds('/elsewhere/ids.txt'), '/elsewhere/ids.txt is missing; retrain or delete it');
  });
});
