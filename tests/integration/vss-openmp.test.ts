import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe.runIf(process.platform === 'linux')('sqlite-vss with OpenMP threads', () => {
  it('keeps vss0 mapped after the last connection closes, so a parallel build can be followed by close', () => {
    const script = fileURLToPath(new URL('../fixtures/vss/parallel-build-then-close.ts', import.meta.url));
    const run = spawnSync(process.execPath, [script], { env: { ...process.env, OMP_NUM_THREADS: '2' }, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, signal: run.signal, stdout: run.stdout.trim() }).toEqual({
      status: 0,
      signal: null,
      stdout: 'closed cleanly; vss0 mapped: true',
    });
  });
});
