import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Sandboxed preloads are loaded as one CommonJS script that may require only `electron`: bundle
 * preload/index.ts (with the channel names it imports) into dist/preload/index.cjs.
 */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export async function buildPreload(): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: here('../dist/preload'),
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      lib: { entry: here('./index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  });
  return here('../dist/preload/index.cjs');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildPreload());
}
