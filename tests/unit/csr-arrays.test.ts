import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrFromCoo, transposeCsr } from '../../main/engine/data/csr.ts';
import { loadIds, loadNpy, readArtifactJson, saveIds, saveNpy } from '../../main/engine/common/arrays.ts';

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

  it('writes a view of a larger buffer as it is, with a header numpy reads, and refuses a truncated file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-npy-'));
    const whole = Float64Array.from({ length: 10 }, (_, i) => i / 4);
    saveNpy(join(dir, 'b.npy'), whole.subarray(3, 9), [3, 2]);
    const bytes = readFileSync(join(dir, 'b.npy'));
    expect(bytes.length).toBe(128 + 6 * 8);
    expect(bytes.subarray(10, 128).toString('latin1')).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 2\), \} *\n$/);
    expect(Array.from(loadNpy(join(dir, 'b.npy')).data)).toEqual([0.75, 1, 1.25, 1.5, 1.75, 2]);
    writeFileSync(join(dir, 'b.npy'), bytes.subarray(0, 150));
    expect(() => loadNpy(join(dir, 'b.npy'))).toThrow(/holds 22 bytes of data, its shape \(3, 2\) needs 48/);
    writeFileSync(join(dir, 'c.npy'), bytes.subarray(0, 100));
    expect(() => loadNpy(join(dir, 'c.npy'))).toThrow(/file ends early/);
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
    expectMissing(
      () => readArtifactJson(join(run, 'popularity', 'popularity.json')),
      'run run_20240101T000000Z is missing popularity/popularity.json; retrain or delete it',
    );
    expectMissing(() => loadIds('/elsewhere/ids.txt'), '/elsewhere/ids.txt is missing; retrain or delete it');
  });
});
