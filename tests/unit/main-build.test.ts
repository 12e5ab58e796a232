import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledUrl } from '../../main/build.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const source = (path: string) => join(ROOT, path);

describe('source-relative URLs in the main-process bundles (dist/main)', () => {
  it('point a worker entry at its bundle beside every other bundle', () => {
    expect(bundledUrl(source('main/engine/recsys/als/als-pool.ts'), '../../workers/als-worker.ts')).toBe('./als-worker.js');
    expect(bundledUrl(source('main/engine/index.ts'), './workers/job-worker.ts')).toBe('./job-worker.js');
  });

  it('keep files outside main/ at their place from the app root, dynamic tails included', () => {
    expect(bundledUrl(source('main/engine/common/version.ts'), '../../../package.json')).toBe('../../package.json');
    expect(bundledUrl(source('main/engine/common/wasm-kernel.ts'), '../../../native/build/${name}.wasm')).toBe('../../native/build/${name}.wasm');
    expect(bundledUrl(source('main/electron/main.ts'), '../../')).toBe('../../');
  });

  it('refuse a URL into the sources, which the packaged app does not ship', () => {
    expect(() => bundledUrl(source('main/engine/common/code-fingerprint.ts'), '..')).toThrow(/reaches main\/engine, which the bundle does not ship/);
    expect(() => bundledUrl(source('main/engine/recsys/x.ts'), './helper.ts')).toThrow(/does not ship/);
  });
});
