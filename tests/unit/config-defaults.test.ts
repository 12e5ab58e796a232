import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_DEFAULTS, configSchema, STAGES } from '../../main/engine/config/schema.ts';
import { DEFAULT_FORM, toConfig } from '../../renderer/pages/train/config.ts';
import { DEFAULT_SETTINGS } from '../../renderer/state/settings.ts';

/** The schema is where each default is defined; the places that must repeat one are held to it here. */
describe('config defaults', () => {
  it("the Train form's defaults are the schema's (the renderer cannot import the schema at run time)", () => {
    const sent = configSchema.parse(toConfig({ ...DEFAULT_FORM, stages: [...STAGES] }, DEFAULT_SETTINGS));
    expect({ ...sent, stages: CONFIG_DEFAULTS.stages }).toEqual(CONFIG_DEFAULTS);
    // what the form leaves out when it equals its own default, and what it sends only on demand
    expect(DEFAULT_FORM.semantic.template).toBe(CONFIG_DEFAULTS.semantic.template);
    expect(DEFAULT_FORM.ks.split(',').map(Number)).toEqual(CONFIG_DEFAULTS.eval.ks);
    expect(DEFAULT_FORM.minUserEvents).toBe(CONFIG_DEFAULTS.split.minUserEvents);
    expect(DEFAULT_FORM.stages).toEqual(CONFIG_DEFAULTS.stages);
    expect(DEFAULT_FORM.tune.trials).toBe(CONFIG_DEFAULTS.tune.trials);
  });

  it("README's configuration block states every default as the schema defines it", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## Configuration[^\n]*\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README.md: no yaml block under "## Configuration"').toBeDefined();
    // data: names example files, not defaults; popularity has no settings
    const { data: _examples, ...documented } = parseYaml(block!) as Record<string, unknown>;
    const { data: _none, popularity: _empty, ...defaults } = CONFIG_DEFAULTS;
    expect(documented).toEqual(defaults);
  });
});
