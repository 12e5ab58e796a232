import { build, type Plugin } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Bundles the main process for the packaged app (`npm run build`): the Electron main process, the
 * CLI and every worker thread entry, as ES modules in one flat folder, dist/main/. Dependencies stay
 * external (they ship in node_modules, the native ones unpacked from the asar archive).
 *
 * The sources reach files beside themselves with `new URL('…', import.meta.url)`; in a bundle,
 * import.meta.url is the bundle's (or shared chunk's) URL in dist/main/, so each such URL is
 * rewritten while bundling: a worker entry `…/workers/x.ts` becomes `./x.js`, and a file outside
 * main/ (package.json, native/build/*.wasm, dist/renderer) keeps its place relative to the app root.
 * Any other source-relative URL fails the build: the packaged app ships no sources.
 */
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCES = join(ROOT, 'main');
const WORKERS = join(SOURCES, 'engine', 'workers');
export const BUNDLE_DIR = join(ROOT, 'dist', 'main');

/** Entry name → source: the Electron main process, the CLI and each worker thread. */
export function bundleEntries(): Record<string, string> {
  const entries: Record<string, string> = { main: join(SOURCES, 'electron', 'main.ts'), cli: join(SOURCES, 'cli', 'index.ts') };
  for (const file of readdirSync(WORKERS).filter((f) => f.endsWith('.ts'))) entries[basename(file, '.ts')] = join(WORKERS, file);
  return entries;
}

const SOURCE_URL = /new URL\(\s*(['"`])([^'"`]*)\1\s*,\s*import\.meta\.url\s*,?\s*\)/g;

const toPosix = (path: string) => path.split(sep).join('/');

/** Where `spec` (relative to `file`) lives once bundled into dist/main/, as a URL relative to a bundle. */
export function bundledUrl(file: string, spec: string): string {
  const dynamic = spec.indexOf('${');
  const cut = dynamic < 0 ? spec.length : spec.lastIndexOf('/', dynamic) + 1;
  const target = resolve(dirname(file), spec.slice(0, cut));
  if (dynamic < 0 && dirname(target) === WORKERS && target.endsWith('.ts')) return `./${basename(target, '.ts')}.js`;
  const inSources = target === SOURCES || target.startsWith(SOURCES + sep);
  if (cut === 0 || inSources || !(target === ROOT || target.startsWith(ROOT + sep))) {
    throw new Error(`${relative(ROOT, file)}: new URL('${spec}', import.meta.url) reaches ${relative(ROOT, target) || '.'}, which the bundle does not ship`);
  }
  const head = toPosix(relative(BUNDLE_DIR, target));
  return head + (spec.slice(0, cut).endsWith('/') ? '/' : '') + spec.slice(cut);
}

const rewriteSourceUrls: Plugin = {
  name: 'source-relative-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const contents = text.replace(
        SOURCE_URL,
        (_all, quote: string, spec: string) => `new URL(${quote}${bundledUrl(args.path, spec)}${quote}, import.meta.url)`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds dist/main/ afresh (or the same bundles into `outdir`) and returns the names of the files written. */
export async function buildMain(outdir = BUNDLE_DIR): Promise<string[]> {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: bundleEntries(),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [rewriteSourceUrls],
  });
  return Object.keys(result.metafile.outputs).map((f) => relative(outdir, resolve(ROOT, f)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`dist/main: ${(await buildMain()).join(', ')}`);
}
