import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentContext } from '../../main/engine/common/task-context.ts';
import { configSchema, semanticEmbeddingSchema, semanticIndexSchema, type ConfigInput } from '../../main/engine/config/schema.ts';
import type { ItemCatalog } from '../../main/engine/data/types.ts';
import { readSemanticInfo } from '../../main/engine/recsys/semantic.ts';
import { stageByName } from '../../main/engine/recsys/stages.ts';

const WORDS = ['rocket', 'orbit', 'bread', 'oven', 'goal', 'league', 'moon', 'flour', 'coach', 'planet'];
const catalog: ItemCatalog = {
  idColumn: 'id',
  columns: ['id', 'title', 'genres'],
  rows: Array.from({ length: 80 }, (_, i) => ({ id: `i${i}`, title: `${WORDS[i % 10]} ${WORDS[(i * 3 + 1) % 10]}`, genres: i % 2 ? 'Odd' : 'Even' })),
};

/** Trains the semantic stage of `config` on the catalogue and returns what it recorded in semantic.json. */
async function trainSemantic(config: ConfigInput) {
  const dir = mkdtempSync(join(tmpdir(), 'ty-sem-stage-'));
  const input = {
    split: null,
    userIds: [],
    itemIds: catalog.rows.map((r) => r.id!),
    catalog,
    config: configSchema.parse(config),
    threads: 1,
    runDir: dir,
  };
  await stageByName('semantic').train(input, dir, silentContext());
  return readSemanticInfo(dir);
}

describe('the semantic stage', () => {
  it('reads each semantic.* key either as an encoder setting or as an index option, never both', () => {
    const encoder = Object.keys(semanticEmbeddingSchema.shape);
    const index = Object.keys(semanticIndexSchema.shape);
    expect(encoder.filter((k) => index.includes(k))).toEqual([]);
  });

  it('builds with the schema defaults when semantic.* is not given', async () => {
    const info = await trainSemantic({ stages: ['semantic'], semantic: { store: 'vss' } });
    expect(info.embedding).toEqual({ provider: 'builtin', seed: 42 });
    expect(info.template).toBe('{title}. {description}');
    expect(info.store).toEqual({ kind: 'vss', factory: 'Flat,IDMap2' });
  });

  it('hands every encoder setting and the HNSW options to the index it builds', async () => {
    const semantic = { dimensions: 6, batchSize: 16, model: 'lsa', modelPath: 'unused', device: 'cpu' } as const;
    const info = await trainSemantic({
      stages: ['semantic'],
      seed: 7,
      semantic: { ...semantic, template: '{title} ({genres})', store: 'vss', index: 'HNSW32,IDMap2', efConstruction: 50, efSearch: 30 },
    });
    expect(info.embedding).toEqual({ provider: 'builtin', ...semantic, seed: 7 });
    expect(info.template).toBe('{title} ({genres})');
    expect(info.store).toEqual({ kind: 'vss', factory: 'HNSW32,IDMap2', efConstruction: 50, efSearch: 30 });
  });

  it('hands nprobe to an IVF index and the store choice to sqlite-vec', async () => {
    const ivf = await trainSemantic({ stages: ['semantic'], semantic: { dimensions: 4, store: 'vss', index: 'IVF2,Flat,IDMap2', nprobe: 1 } });
    expect(ivf.store).toEqual({ kind: 'vss', factory: 'IVF2,Flat,IDMap2', nprobe: 1 });
    const vec = await trainSemantic({ stages: ['semantic'], semantic: { dimensions: 4, store: 'vec' } });
    expect(vec.store).toEqual({ kind: 'vec', factory: null });
  });
});
