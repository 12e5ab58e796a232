import { describe, expect, it } from 'vitest';
import { codeFingerprint } from '../../main/engine/common/code-fingerprint.ts';
import { configSchema } from '../../main/engine/config/schema.ts';
import { stageByName } from '../../main/engine/recsys/stages.ts';
import { stageCacheKey } from '../../main/engine/runs/cache-key.ts';

describe('stage cache keys', () => {
  it('depend on a fingerprint of the engine code, not on a version number someone must bump', () => {
    const code = codeFingerprint();
    expect(code).toMatch(/^[0-9a-f]{16}$/);
    expect(codeFingerprint()).toBe(code);
    const parts = { stage: 'als', code, dataset: 'f', inputs: {}, params: {} };
    expect(stageCacheKey(parts)).not.toBe(stageCacheKey({ ...parts, code: '0'.repeat(16) }));
  });

  it('include the thread count where results depend on it (ALS), and not where they do not', () => {
    const config = configSchema.parse({});
    const key = (stage: string, threads: number) =>
      stageCacheKey({ stage, code: 'c', dataset: 'f', inputs: {}, params: stageByName(stage as 'als').params(config, threads) });
    expect(key('als', 1)).not.toBe(key('als', 2));
    expect(key('itemknn', 1)).toBe(key('itemknn', 2));
    expect(key('ease', 1)).toBe(key('ease', 2));
  });
});
