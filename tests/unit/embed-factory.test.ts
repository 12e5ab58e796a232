import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloudEmbeddingProvider } from '../../main/engine/embed/cloud.ts';
import { createEmbeddingProvider, restoreEmbeddingProvider, saveEmbeddingState } from '../../main/engine/embed/factory.ts';
import type { EmbeddingConfig } from '../../main/engine/embed/factory.ts';
import { LsaGloveProvider } from '../../main/engine/embed/lsa-glove.ts';
import { silentContext } from '../../main/engine/common/task-context.ts';

const ctx = silentContext();
afterEach(() => vi.unstubAllEnvs());

describe('createEmbeddingProvider', () => {
  it('builds the builtin provider by default, LSA with the configured dimensions and seed combined with the shipped GloVe vectors', async () => {
    const p = await createEmbeddingProvider({ dimensions: 16, seed: 3 } as EmbeddingConfig);
    expect(p).toBeInstanceOf(LsaGloveProvider);
    expect((p as LsaGloveProvider).lsa.options).toMatchObject({ dimensions: 16, seed: 3 });
    expect((p as LsaGloveProvider).glove.dimensions).toBe(100);
  });

  it('builds the cloud providers with their keys from the environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'k1');
    vi.stubEnv('GEMINI_API_KEY', 'k2');
    const o = await createEmbeddingProvider({ provider: 'openai', dimensions: 256 });
    const g = await createEmbeddingProvider({ provider: 'gemini', model: 'text-embedding-004' });
    expect(o).toBeInstanceOf(CloudEmbeddingProvider);
    expect(o.effective()).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 256 });
    expect(g.effective()).toMatchObject({ provider: 'gemini', model: 'text-embedding-004' });
  });

  it('names the offending setting', async () => {
    await expect(createEmbeddingProvider({ provider: 'word2vec' } as unknown as EmbeddingConfig)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('semantic.provider'),
    });
    await expect(createEmbeddingProvider({ provider: 'builtin', dimensions: -4 })).rejects.toMatchObject({
      message: expect.stringContaining('semantic.dimensions'),
    });
    await expect(createEmbeddingProvider({ provider: 'builtin', dimension: 4 } as unknown as EmbeddingConfig)).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(createEmbeddingProvider({ provider: 'transformers', modelPath: join(tmpdir(), 'ty-missing-model') }, ctx)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('provider=builtin'),
    });
  });
});

describe('restoreEmbeddingProvider', () => {
  it('reloads a fitted builtin model from its folder and fails clearly when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-restore-'));
    await expect(restoreEmbeddingProvider({ provider: 'builtin' }, dir)).rejects.toMatchObject({
      kind: 'invalid-input',
      message: expect.stringContaining('rebuild'),
    });
    const p = await createEmbeddingProvider({ provider: 'builtin', dimensions: 2 });
    await p.fit!(['red apple', 'green apple', 'red car', 'blue car'], ctx);
    await saveEmbeddingState(p, dir);
    const back = await restoreEmbeddingProvider({ provider: 'builtin' }, dir);
    expect(Array.from(await back.embed(['red apple'], ctx))).toEqual(Array.from(await p.embed(['red apple'], ctx)));
  });
});
