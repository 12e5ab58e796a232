import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRequest, RequestArg } from '../../main/common/contracts/api.ts';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { checkFileAccess, type FileAccess } from '../../main/engine/file-access.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';

describe('file access of hosts that serve a page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-files-'));
  const workspace = join(dir, 'ws');
  const outside = join(dir, 'elsewhere');
  mkdirSync(join(workspace, 'uploads'), { recursive: true });
  mkdirSync(outside);
  const inside = join(workspace, 'uploads', 'ratings.csv');
  const secret = join(outside, 'id_rsa');
  const chosen = join(outside, 'chosen.csv');
  for (const f of [inside, secret, chosen]) writeFileSync(f, 'user_id,item_id,timestamp\nu1,i1,1700000000\n');
  symlinkSync(secret, join(workspace, 'link.csv'));
  const confined: FileAccess = { scope: 'workspace', granted: new Set([chosen]), hint: 'upload it' };

  const refusal = <K extends EngineRequest>(name: K, arg: RequestArg<K>, access: FileAccess = confined): EngineError | null => {
    try {
      checkFileAccess(access, workspace, name, arg);
      return null;
    } catch (err) {
      return err as EngineError;
    }
  };

  it('refuses files outside the workspace by every request that reads one, naming the field', () => {
    const cases: [EngineRequest, unknown, string][] = [
      ['data.preview', { file: '/etc/passwd', kind: 'items' }, 'file'],
      ['data.preview', { file: join(workspace, '..', 'elsewhere', 'id_rsa'), kind: 'items' }, 'file'],
      ['data.preview', { file: join(workspace, 'link.csv'), kind: 'items' }, 'file'],
      ['data.import', { interactions: inside, items: secret }, 'items'],
      ['train.start', { configPath: secret }, 'configPath'],
      ['train.start', { config: { data: { interactions: secret } } }, 'data.interactions'],
      ['train.start', { set: [`data.items=${secret}`] }, 'data.items'],
      ['train.start', { config: { semantic: { modelPath: outside } } }, 'semantic.modelPath'],
      ['classify.train', { data: secret }, 'data'],
      ['classify.train', { data: inside, set: [`compareTo=${outside}`] }, 'compareTo'],
      ['data.generate', { out: outside }, 'out'],
      ['data.generate', { out: chosen }, 'out'],
      ['eval.run', { run: 'latest', recommendations: secret }, 'recommendations'],
    ];
    for (const [name, arg, field] of cases) {
      const err = refusal(name, arg as RequestArg<typeof name>);
      expect(err, `${name} ${JSON.stringify(arg)}`).toBeInstanceOf(EngineError);
      expect(err!.kind).toBe('invalid-input');
      expect(err!.details).toMatchObject({ field, hint: 'upload it' });
      expect(err!.message).toMatch(/outside the workspace/);
    }
  });

  it('allows the workspace, granted files, run ids, and a config inside the workspace whose relative paths stay inside', () => {
    const config = join(workspace, 'trainyard.yaml');
    writeFileSync(config, 'data:\n  interactions: uploads/ratings.csv\n');
    const escaping = join(workspace, 'escaping.yaml');
    writeFileSync(escaping, 'data:\n  interactions: ../elsewhere/id_rsa\n');
    expect(refusal('data.preview', { file: inside, kind: 'interactions' })).toBeNull();
    expect(refusal('data.import', { interactions: chosen })).toBeNull();
    expect(refusal('data.generate', { out: join(workspace, 'sample', 'new') })).toBeNull();
    expect(refusal('train.start', { configPath: config })).toBeNull();
    expect(refusal('train.start', { configPath: escaping })?.details).toMatchObject({ field: 'data.interactions' });
    expect(refusal('classify.train', { data: chosen, set: ['compareTo=run_20250101T000000'] })).toBeNull();
    expect(refusal('runs.show', { run: 'run_20250101T000000' })).toBeNull();
    expect(refusal('eval.run', { run: 'latest', recommendations: chosen })).toBeNull();
    expect(refusal('eval.run', { run: 'latest' })).toBeNull();
  });

  it('lets the CLI read any path the user typed', () => {
    expect(refusal('data.preview', { file: secret, kind: 'items' }, { scope: 'anywhere' })).toBeNull();
    expect(refusal('data.generate', { out: outside }, { scope: 'anywhere' })).toBeNull();
  });

  describe('inside the engine', () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await createEngine({ workspace, workers: 1, files: confined });
    });
    afterAll(() => engine.close());

    it('refuses before reading anything, and serves files it may read', async () => {
      await expect(engine.request('data.preview', { file: secret, kind: 'items' })).rejects.toMatchObject({
        kind: 'invalid-input',
        details: { field: 'file' },
      });
      await expect(engine.request('data.generate', { out: '/tmp/ty-anywhere' })).rejects.toMatchObject({ kind: 'invalid-input', details: { field: 'out' } });
      const catalogue = join(workspace, 'uploads', 'items.csv');
      writeFileSync(catalogue, 'item_id,title\ni1,One\n');
      expect((await engine.request('data.preview', { file: catalogue, kind: 'items' })).columns).toEqual(['item_id', 'title']);
    });
  });
});
