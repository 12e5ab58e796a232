import { listPackage, statFile } from '@electron/asar';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntries, buildMain } from '../../main/build.ts';
import { GLOVE_PACKAGE, SHIPPED_GLOVE } from '../../main/engine/embed/glove.ts';

/**
 * Packaging as `npm run dist` does it, for Linux, with `electron-builder --dir`. The Electron binary
 * cannot be downloaded here, so electron-builder's `electronDist` points at a stand-in folder holding
 * a placeholder `electron` executable: the app's own files (app.asar and app.asar.unpacked) are what
 * electron-builder makes of this project; only launching them needs the real binary
 * (tests/e2e/electron-app.spec.ts, skipped without it).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const MB = 1024 * 1024;
/** app.asar + app.asar.unpacked; measured 422 MB (onnxruntime-web and the SpamAssassin corpus are most of it), 490 MB with DuckDB's 68 MB addon, 510 MB with the 20 MB GloVe file */
const SIZE_BUDGET = 540 * MB;

/** Files the OS loader opens: Node addons and shared libraries, which cannot be read inside an archive. */
const NATIVE = /\.(node|dylib|dll)$|\.so(\.\d+)*$/;

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

describe('the packaged desktop app (electron-builder --dir, Linux)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-packaged-'));
  const resources = join(dir, 'out', 'linux-unpacked', 'resources');
  const asar = join(resources, 'app.asar');
  let files: string[] = [];

  beforeAll(async () => {
    for (const built of ['dist/renderer/index.html', 'dist/preload/index.cjs', relative(ROOT, SHIPPED_GLOVE)]) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run npm run build first`);
    }
    await buildMain();
    const standIn = join(dir, 'electron-stand-in');
    mkdirSync(standIn);
    writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary, which cannot be downloaded here" >&2\nexit 1\n');
    chmodSync(join(standIn, 'electron'), 0o755);
    const cli = join(dirname(createRequire(import.meta.url).resolve('electron-builder/package.json')), 'cli.js');
    await run(
      process.execPath,
      [cli, '--dir', '--linux', '--config', 'electron-builder.yml', `-c.electronDist=${standIn}`, `-c.directories.output=${join(dir, 'out')}`],
      { cwd: ROOT, maxBuffer: 1 << 26 },
    );
    files = listPackage(asar, { isPack: false }).map((f) => f.replace(/\\/g, '/').replace(/^\//, ''));
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from the bundled main process, with every worker bundle, the renderer, the preload and the kernels', () => {
    expect(existsSync(join(dir, 'out', 'linux-unpacked', 'trainyard'))).toBe(true);
    expect(files).toContain('package.json');
    expect(files).toContain('dist/main/main.js');
    for (const entry of Object.keys(bundleEntries())) expect(files).toContain(`dist/main/${entry}.js`);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/renderer/index.html',
        'dist/preload/index.cjs',
        'native/build/als.wasm',
        'native/build/ease.wasm',
        'native/build/lsa.wasm',
      ]),
    );
  });

  it('ships the GloVe vectors in compact form, not the package they are converted from', () => {
    expect(files).toContain(relative(ROOT, SHIPPED_GLOVE));
    expect(files.filter((f) => f.startsWith(`node_modules/${GLOVE_PACKAGE}/`))).toEqual([]);
  });

  it('holds no sources, tests or source maps', () => {
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    expect(own.filter((f) => /\.(ts|tsx)$/.test(f) || /(^|\/)tests?\//.test(f) || /\.(test|spec)\./.test(f))).toEqual([]);
    expect(own.filter((f) => /^(main|renderer|preload|native\/(als|ease))\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('unpacks every native module and SQLite extension next to the archive', () => {
    const native = files.filter((f) => f.startsWith('node_modules/') && NATIVE.test(f));
    for (const f of native) {
      expect(statFile(asar, f), f).toMatchObject({ unpacked: true });
      expect(existsSync(join(`${asar}.unpacked`, f)), f).toBe(true);
    }
    for (const needed of [
      /^node_modules\/better-sqlite3\/.*\.node$/,
      /^node_modules\/onnxruntime-node\/.*\.node$/,
      /^node_modules\/@duckdb\/node-bindings-[^/]+\/.*\.node$/,
      /^node_modules\/sqlite-vec-[^/]+\/vec0\./,
      /^node_modules\/sqlite-vss-[^/]+\/lib\/vss0\./,
      /^node_modules\/sqlite-vss-[^/]+\/lib\/vector0\./,
    ]) {
      expect(
        native.some((f) => needed.test(f)),
        String(needed),
      ).toBe(true);
    }
  });

  it('stays within its size budget', () => {
    const packed = statSync(asar).size;
    const unpacked = folderBytes(`${asar}.unpacked`);
    console.log(`packaged app: app.asar ${(packed / MB).toFixed(0)} MB + app.asar.unpacked ${(unpacked / MB).toFixed(0)} MB (budget ${SIZE_BUDGET / MB} MB)`);
    expect(packed + unpacked).toBeLessThan(SIZE_BUDGET);
  });
});
