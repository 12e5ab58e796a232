import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Run from a bundle (dist/main, see main/build.ts), the engine's code is the bundles beside this one. */
const BUNDLED = !import.meta.url.endsWith('.ts');
const ENGINE = BUNDLED ? HERE : join(HERE, '..');
const CODE_SUFFIX = BUNDLED ? '.js' : '.ts';
const NATIVE_BUILD = fileURLToPath(new URL('../../../native/build', import.meta.url));

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let fingerprint: string | null = null;

/**
 * A hash of the engine's code: every source file under main/engine (or, bundled, every bundle) and
 * the compiled kernels. Stage
 * cache keys include it, so a change to the code that trains or evaluates a stage never reuses an
 * artifact the old code wrote (a version number would, until someone bumped it). Computed once.
 */
export function codeFingerprint(): string {
  if (fingerprint === null) {
    const hash = createHash('sha256');
    for (const file of [...filesUnder(ENGINE, (n) => n.endsWith(CODE_SUFFIX)), ...filesUnder(NATIVE_BUILD, (n) => n.endsWith('.wasm'))]) {
      hash.update(relative(ENGINE, file)).update('\0').update(readFileSync(file)).update('\0');
    }
    fingerprint = hash.digest('hex').slice(0, 16);
  }
  return fingerprint;
}
