/**
 * `npm run bench`: runs every benchmark in its own Node process (so each reports its own peak RSS),
 * one after another, at the sizes the issues set as targets. Pass names to run a subset:
 *   npm run bench -- als eval
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.ts', '')))
  .sort();

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  console.log(`(${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, exit ${r.status})`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
