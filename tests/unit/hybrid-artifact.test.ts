import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHybridBlend } from '../../main/engine/recsys/stages.ts';

function hybridDir(content: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'ty-hybrid-'));
  writeFileSync(join(dir, 'hybrid.json'), JSON.stringify(content));
  return dir;
}

describe('hybrid.json', () => {
  it('names the CF model the blend used; a run from before the choice blended ALS', () => {
    expect(readHybridBlend(hybridDir({ cf: 'ease', weight: 0.4, tuned: true }))).toEqual({ cf: 'ease', weight: 0.4 });
    expect(readHybridBlend(hybridDir({ weight: 0.7, tuned: false }))).toEqual({ cf: 'als', weight: 0.7 });
  });

  it('refuses a CF model it does not know, naming the file', () => {
    const dir = hybridDir({ cf: 'svd', weight: 0.5 });
    expect(() => readHybridBlend(dir)).toThrow(`${join(dir, 'hybrid.json')}: unknown CF model svd`);
  });
});
