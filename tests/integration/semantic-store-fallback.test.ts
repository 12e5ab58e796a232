import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ExtensionLoadError } from '../../main/engine/store/extensions.ts';
import type * as ExtensionsModule from '../../main/engine/store/extensions.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';
import type { ItemCatalog } from '../../main/engine/data/types.ts';

// sqlite-vss as on a Linux machine without libblas: loading the extension fails
vi.mock('../../main/engine/store/extensions.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof ExtensionsModule>()),
  loadVss: () => {
    throw new ExtensionLoadError(
      'vss',
      'loading vss0.so failed (libblas.so.3: cannot open shared object file)',
      'apt-get install libgomp1 libblas3 liblapack3',
    );
  },
}));
const { buildSemanticIndex, openSemanticIndex } = await import('../../main/engine/recsys/semantic.ts');

const catalog: ItemCatalog = {
  idColumn: 'id',
  columns: ['id', 'title'],
  rows: ['rocket launch to the moon', 'bread from the oven', 'the league match', 'moon orbit and rocket'].map((title, i) => ({ id: `i${i}`, title })),
};

describe.runIf(process.platform !== 'win32')('semantic index when sqlite-vss cannot be loaded', () => {
  it('falls back to sqlite-vec for the default store, warns, and records why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-fallback-'));
    const logs: string[] = [];
    const ctx = { ...silentContext(), log: (level: string, message: string) => logs.push(`${level}: ${message}`) };
    const info = await buildSemanticIndex({ catalog, template: '{title}', embedding: { provider: 'builtin', dimensions: 4 }, dir }, ctx);
    expect(info.store).toEqual({ kind: 'vec', factory: null, fallbackFrom: { kind: 'vss', reason: expect.stringContaining('libblas.so.3') } });
    expect(logs).toContainEqual(expect.stringMatching(/^warn: .*libblas.*sqlite-vec instead/));
    const index = openSemanticIndex(dir);
    expect((await index.search('rocket to the moon', 1)).hits[0]!.item).toMatch(/^i[03]$/);
    await index.close();
  });

  it('fails with the install hint when sqlite-vss was asked for by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-sem-vss-'));
    await expect(
      buildSemanticIndex({ catalog, template: '{title}', embedding: { provider: 'builtin', dimensions: 4 }, store: 'vss', dir }, silentContext()),
    ).rejects.toMatchObject({
      kind: 'invalid-input',
      details: { hint: expect.stringContaining('libblas3') },
    });
  });
});
