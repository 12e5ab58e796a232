import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

/** Builds the renderer with the project's vite.config.ts into dist/renderer and returns that folder. */
export async function buildRenderer(root: string = process.cwd()): Promise<string> {
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  const out = join(root, 'dist', 'renderer');
  if (!existsSync(join(out, 'index.html'))) throw new Error(`renderer build produced no ${join(out, 'index.html')}`);
  return out;
}
