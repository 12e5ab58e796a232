// Compiles the AssemblyScript kernels to native/build/als.wasm, ease.wasm and lsa.wasm. Offline; takes a few seconds.
// The module imports one shared memory (env.memory) so that worker threads can run it on the same data.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(`${here}build`, { recursive: true });

// als: implicit ALS; ease: EASE's dense float64 solve; lsa: the builtin LSA's randomized SVD. Same memory model for all.
for (const kernel of ['als', 'ease', 'lsa']) {
  const { error, stderr } = await asc.main([
    `${here}${kernel}/kernel.ts`,
    '--outFile',
    `${here}build/${kernel}.wasm`,
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--use',
    'abort=',
    '--importMemory',
    '--sharedMemory',
    '--maximumMemory',
    '65536',
    '--enable',
    'simd,relaxed-simd,threads',
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-als: ${kernel}: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-als: wrote native/build/${kernel}.wasm`);
}
