import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const VITE = new URL('../../node_modules/vite/bin/vite.js', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

it("builds the renderer with React's production build even when the shell says NODE_ENV=development", async () => {
  const out = mkdtempSync(join(tmpdir(), 'ty-renderer-'));
  await promisify(execFile)(process.execPath, [VITE, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development' },
  });
  const bundles = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
  expect(bundles.length).toBeGreaterThan(0);
  for (const f of bundles) expect(readFileSync(join(out, 'assets', f), 'utf8')).not.toContain('jsxDEV');
  // an icon declared inline: a page without one makes the browser request /favicon.ico, a 404 on every load
  expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/<link\s+rel="icon"\s+href="data:image\/svg\+xml,/);
}, 60_000);
