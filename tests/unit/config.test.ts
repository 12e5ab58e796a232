import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../main/engine/config/load.ts';
import { HYBRID_CF, LIMITS } from '../../main/engine/config/schema.ts';
import { DEFAULT_FORM, FORM_LIMITS, HYBRID_CF_CHOICES, validateForm, type TrainForm } from '../../renderer/pages/train/config.ts';

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
    expect(() => resolveConfig({ configPath: yamlFile('colour: blue\n') })).toThrow(/unknown key colour$/);
  });

  it('suggests the known key a mistyped one was meant to be', () => {
    expect(() => resolveConfig({ set: ['als.factor=8'] })).toThrow('unknown key als.factor (did you mean als.factors?)');
    expect(() => resolveConfig({ set: ['factors=8'] })).toThrow('unknown key factors (did you mean als.factors?)');
    expect(() => resolveConfig({ set: ['itemknn.neighbors=8'] })).toThrow('(did you mean itemknn.neighbours?)');
  });

  it('refuses values past the upper bounds, which the Train form holds too', () => {
    // each bound: the config key, the form with that value, the form's error key
    const cases: [string, number, (v: number) => TrainForm, string][] = [
      ['als.factors', LIMITS.factors, (v) => ({ ...DEFAULT_FORM, als: { ...DEFAULT_FORM.als, factors: v } }), 'als.factors'],
      ['als.iterations', LIMITS.iterations, (v) => ({ ...DEFAULT_FORM, als: { ...DEFAULT_FORM.als, iterations: v } }), 'als.iterations'],
      ['itemknn.neighbours', LIMITS.neighbours, (v) => ({ ...DEFAULT_FORM, itemknn: { ...DEFAULT_FORM.itemknn, neighbours: v } }), 'itemknn.neighbours'],
      ['split.minUserEvents', LIMITS.minUserEvents, (v) => ({ ...DEFAULT_FORM, minUserEvents: v }), 'minUserEvents'],
      ['eval.ks', LIMITS.k, (v) => ({ ...DEFAULT_FORM, ks: `10, ${v}` }), 'ks'],
    ];
    for (const [key, max, form, field] of cases) {
      const value = (v: number) => (key === 'eval.ks' ? `[10,${v}]` : String(v));
      expect(() => resolveConfig({ set: [`${key}=${value(max)}`] })).not.toThrow();
      expect(() => resolveConfig({ set: [`${key}=${value(max + 1)}`] }), key).toThrow(key);
      expect(validateForm(form(max))[field], key).toBeUndefined();
      expect(validateForm(form(max + 1))[field], key).toBeDefined();
    }
    expect(FORM_LIMITS).toMatchObject({ threads: LIMITS.threads, factors: LIMITS.factors, iterations: LIMITS.iterations, k: LIMITS.k });
    expect(() => resolveConfig({ set: ['threads=65'] })).toThrow(/threads/);
    expect(() => resolveConfig({ set: ['split.method=lastpct:1'] })).toThrow(/split\.method/);
  });

  it("takes hybrid's CF model from the engine's choices, ALS by default, as the Train form offers them", () => {
    expect(resolveConfig({}).config.hybrid.cf).toBe('als');
    expect(resolveConfig({ set: ['hybrid.cf=ease'] }).config.hybrid.cf).toBe('ease');
    expect(() => resolveConfig({ set: ['hybrid.cf=svd'] })).toThrow(/hybrid\.cf: .*"als"\|"itemknn"\|"ease"/);
    expect(HYBRID_CF_CHOICES.map((c) => c.id)).toEqual([...HYBRID_CF]);
    expect(DEFAULT_FORM.hybrid.cf).toBe(resolveConfig({}).config.hybrid.cf);
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
