import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bundleEntries, buildMain } from '../../main/build.ts';
import { GLOVE_PACKAGE, GLOVE_WORDS, SHIPPED_GLOVE } from '../../main/engine/embed/glove.ts';

/**
 * The engine as the packaged app runs it: the bundles of `npm run build` (main/build.ts) in a scratch
 * copy laid out like an installed Linux app, with no source tree. Node cannot read an asar archive,
 * so `resources/app.asar` is a plain folder standing in for it, and each package electron-builder.yml
 * unpacks lives in `resources/app.asar.unpacked` with a symlink in its place inside `app.asar` —
 * what Electron's asar support does, serving an unpacked entry's content from app.asar.unpacked.
 * Node runs with --preserve-symlinks (which worker threads inherit), so module paths stay inside
 * app.asar as they do in Electron, and the extension paths go through main/engine/store/extensions.ts's
 * app.asar → app.asar.unpacked rewrite. Only a machine with the Electron binary runs the real
 * archive (tests/e2e/electron-app.spec.ts).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Production packages (those electron-builder ships), from the lockfile. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, p]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !p.dev && existsSync(join(ROOT, path)))
    .map(([path]) => path.slice('node_modules/'.length));
}

/** Whether electron-builder.yml's asarUnpack puts package `name` in app.asar.unpacked. */
function unpacked(name: string): boolean {
  const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { asarUnpack: string[] };
  return config.asarUnpack.some((glob) => {
    const m = /^node_modules\/(.+)\/\*\*$/.exec(glob);
    return m !== null && new RegExp(`^${m[1]!.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`).test(name);
  });
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Places `from` at `to` as hard links (same disk) or copies. */
function linkFile(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** SQLite loads its extensions with the OS loader, which cannot read inside app.asar (Electron redirects Node addons only). */
const isSqliteExtension = (pkg: string, file: string) => /^sqlite-(vec|vss)-/.test(pkg) && /\.(so|dylib|dll)$/.test(file);

interface Layout {
  resources: string;
  app: string;
  unpackedDir: string;
}

async function packagedLayout(dir: string): Promise<Layout> {
  const resources = join(dir, 'resources');
  const app = join(resources, 'app.asar');
  const unpackedDir = join(resources, 'app.asar.unpacked');
  await buildMain(join(app, 'dist', 'main'));
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  mkdirSync(join(app, 'native', 'build'), { recursive: true });
  for (const kernel of ['als.wasm', 'ease.wasm', 'lsa.wasm']) copyFileSync(join(ROOT, 'native', 'build', kernel), join(app, 'native', 'build', kernel));
  linkFile(SHIPPED_GLOVE, join(app, 'native', 'build', basename(SHIPPED_GLOVE)));
  for (const name of productionPackages()) {
    const inApp = join(app, 'node_modules', name);
    mkdirSync(dirname(inApp), { recursive: true });
    if (!unpacked(name)) {
      symlinkSync(join(ROOT, 'node_modules', name), inApp, 'dir');
      continue;
    }
    // the archive lists an unpacked file, and Electron serves its content from app.asar.unpacked, but
    // an extension at its app.asar path only stats: loading it from there fails
    for (const file of filesUnder(join(ROOT, 'node_modules', name))) {
      const real = join(unpackedDir, 'node_modules', name, file);
      linkFile(join(ROOT, 'node_modules', name, file), real);
      mkdirSync(dirname(join(inApp, file)), { recursive: true });
      if (isSqliteExtension(name, file)) writeFileSync(join(inApp, file), 'inside app.asar: not loadable by the OS loader');
      else symlinkSync(real, join(inApp, file));
    }
  }
  return { resources, app, unpackedDir };
}

async function cli(layout: Layout, ws: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--preserve-symlinks', join(layout.app, 'dist', 'main', 'cli.js'), '--workspace', ws, ...args], {
      cwd: layout.resources,
      maxBuffer: 1 << 26,
      // a model cache of its own: the GloVe vectors come from the layout, not from this machine's cache
      env: { ...process.env, XDG_CACHE_HOME: join(layout.resources, 'cache') },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the built engine in a packaged-app layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-built-'));
  let layout: Layout;
  const sample = join(dir, 'sample');
  const train = (ws: string) =>
    cli(
      layout,
      ws,
      '--json',
      'train',
      '--interactions',
      join(sample, 'interactions.csv'),
      '--items',
      join(sample, 'items.csv'),
      '--stages',
      'popularity,als,semantic',
      '--set',
      'als.factors=8',
      '--set',
      'als.iterations=3',
    );

  beforeAll(async () => {
    layout = await packagedLayout(dir);
    const gen = await cli(
      layout,
      join(dir, 'ws'),
      'data',
      'generate',
      '--out',
      sample,
      '--users',
      '300',
      '--items',
      '150',
      '--interactions',
      '5000',
      '--seed',
      '3',
    );
    expect(gen.code, gen.stderr).toBe(0);
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships a bundle for every worker entry and no TypeScript', () => {
    const files = readdirSync(join(layout.app, 'dist', 'main'));
    for (const entry of Object.keys(bundleEntries())) expect(files).toContain(`${entry}.js`);
    expect(Object.keys(bundleEntries())).toEqual(expect.arrayContaining(['main', 'cli', 'job-worker', 'als-worker', 'rank-worker', 'vss-shard-worker']));
    const own = readdirSync(layout.app, { recursive: true, withFileTypes: true }).filter((e) => !join(e.parentPath, e.name).includes('node_modules'));
    expect(own.filter((e) => e.isFile() && /\.(ts|tsx|map)$/.test(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('trains, evaluates, serves, searches and classifies from the built files', async () => {
    const ws = join(dir, 'ws');
    const trained = await train(ws);
    expect(trained.code, trained.stderr).toBe(0);
    const out = JSON.parse(trained.stdout) as { runDir: string; metrics: Record<string, Record<string, number>> };
    expect(out.metrics.als!['ndcg@10']).toBeGreaterThan(0);
    // the semantic index used the default sqlite-vss, loaded from app.asar.unpacked, and the builtin
    // default combined LSA with the GloVe vectors shipped beside the kernels (no package in the layout)
    const semantic = JSON.parse(readFileSync(join(out.runDir, 'semantic', 'semantic.json'), 'utf8')) as {
      store: { kind?: string; fallbackFrom?: unknown };
      effective: { combination?: { glove: string } };
    };
    expect(semantic.store).toMatchObject({ kind: 'vss' });
    expect(semantic.store.fallbackFrom).toBeUndefined();
    expect(semantic.effective.combination).toMatchObject({ glove: `${GLOVE_PACKAGE}-${GLOVE_WORDS}` });

    const evaluated = await cli(layout, ws, 'eval', '--run', 'latest');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^als\s+0\.\d+/m);

    const recommended = await cli(layout, ws, '--json', 'recommend', '--run', 'latest', '--user', 'u1', '--k', '5');
    expect(recommended.code, recommended.stderr).toBe(0);
    expect((JSON.parse(recommended.stdout) as { items: unknown[] }).items).toHaveLength(5);

    const title = (readFileSync(join(sample, 'items.csv'), 'utf8').split('\n')[1] ?? '').split(',')[1] ?? '';
    const found = await cli(layout, ws, '--json', 'search', title, '--k', '3');
    expect(found.code, found.stderr).toBe(0);
    expect((JSON.parse(found.stdout) as { results: unknown[] }).results).toHaveLength(3);

    const texts = join(dir, 'texts.csv');
    writeFileSync(
      texts,
      ['text,label', ...Array.from({ length: 30 }, (_, i) => `cheap pills buy now ${i},spam\nmeeting notes for project ${i},ham`)].join('\n') + '\n',
    );
    const classifier = await cli(layout, ws, '--json', 'classify', 'train', '--data', texts, '--model', 'linear');
    expect(classifier.code, classifier.stderr).toBe(0);
    const predicted = await cli(layout, ws, '--json', 'classify', 'predict', 'buy cheap pills now');
    expect(predicted.code, predicted.stderr).toBe(0);
    expect((JSON.parse(predicted.stdout) as { label: string }).label).toBe('spam');
  }, 60_000);

  it('fails, naming the file, when a worker bundle or a native module is missing from the layout', async () => {
    rmSync(join(layout.app, 'dist', 'main', 'als-worker.js'));
    const withoutWorker = await train(join(dir, 'ws-no-worker'));
    expect(withoutWorker.code).not.toBe(0);
    expect(withoutWorker.stderr).toMatch(/als-worker\.js/);

    rmSync(join(layout.unpackedDir, 'node_modules', 'better-sqlite3'), { recursive: true });
    const withoutSqlite = await cli(layout, join(dir, 'ws-no-sqlite'), 'runs', 'list');
    expect(withoutSqlite.code).not.toBe(0);
    expect(withoutSqlite.stderr).toMatch(/better-sqlite3/);
  }, 30_000);
});
