// Compiles the ALS kernel (AssemblyScript) to native/build/als.wasm. Offline; takes a few seconds.
// The module imports one shared memory (env.memory) so that worker threads can run it on the same data.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(`${here}build`, { recursive: true });

const { error, stderr } = await asc.main([
  `${here}als/kernel.ts`,
  '--outFile', `${here}build/als.wasm`,
  '-O3',
  '--noAssert',
  '--runtime', 'stub',
  '--use', 'abort=',
  '--importMemory',
  '--sharedMemory',
  '--maximumMemory', '65536',
  '--enable', 'simd,relaxed-simd,threads',
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build-als: ${error.message}`);
  process.exit(1);
}
console.log('build-als: wrote native/build/als.wasm');
