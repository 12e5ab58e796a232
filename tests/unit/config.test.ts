import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../main/engine/config/load.ts';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ty-config-'));
  const file = join(dir, 'trainyard.yaml');
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  it('fills every default', () => {
    const { config } = resolveConfig({});
    expect(config.stages).toEqual(['popularity', 'bayes-popularity', 'als']);
    expect(config.als.factors).toBe(64);
    expect(config.split.method).toBe('last1');
    expect(config.eval.ks).toEqual([5, 10, 20, 50, 100]);
  });

  it('reads yaml, resolves data paths against the file and applies --set overrides', () => {
    const file = yamlFile('data:\n  interactions: logs/events.csv\nals:\n  factors: 16\n');
    const { config } = resolveConfig({ configPath: file, set: ['als.factors=32', 'eval.ks=[5,10]', 'split.method=lastpct:0.2'] });
    expect(config.als.factors).toBe(32);
    expect(config.eval.ks).toEqual([5, 10]);
    expect(config.split.method).toBe('lastpct:0.2');
    expect(config.data.interactions).toBe(join(file, '..', 'logs/events.csv'));
  });

  it('rejects unknown keys with their path', () => {
    expect(() => resolveConfig({ set: ['als.factor=8'] })).toThrow(/unknown key als\.factor/);
    expect(() => resolveConfig({ configPath: yamlFile('colour: blue\n') })).toThrow(/unknown key colour/);
  });

  it('rejects wrong types with the key path', () => {
    expect(() => resolveConfig({ set: ['als.factors=many'] })).toThrow(/als\.factors/);
    expect(() => resolveConfig({ set: ['split.method=first'] })).toThrow(/split\.method: expected last1 or lastpct/);
    expect(() => resolveConfig({ set: ['stages=[als,magic]'] })).toThrow(/stages\.1/);
  });

  it('rejects a malformed --set and a missing file', () => {
    expect(() => resolveConfig({ set: ['als.factors'] })).toThrow(/expected key\.path=value/);
    expect(() => resolveConfig({ configPath: '/nonexistent/trainyard.yaml' })).toThrow(/does not exist/);
  });
});
