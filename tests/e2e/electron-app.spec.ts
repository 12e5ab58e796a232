import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../renderer/api/connect.ts';
import { screenshot } from './support/browser.ts';
import { buildRenderer } from './support/build-renderer.ts';
import { findElectronBinary } from './support/electron-binary.ts';

const electron = findElectronBinary();
const SKIP = 'missing' in electron ? `Electron end-to-end skipped: ${electron.missing}` : null;

/** The same first session as browser mode, in the desktop app through Playwright's Electron support. */
describe('desktop app end to end', () => {
  let dir = '';
  let app: ElectronApplication | null = null;
  let page: Page;

  beforeAll(async () => {
    if (SKIP || !('path' in electron)) return;
    await buildRenderer();
    execFileSync(process.execPath, ['preload/build.ts'], { stdio: 'inherit' });
    // the built main process (package.json "main": dist/main/main.js), as the packaged app runs it
    execFileSync(process.execPath, ['main/build.ts'], { stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'ty-electron-'));
    app = await _electron.launch({
      executablePath: electron.path,
      args: ['.', `--workspace=${join(dir, 'workspace')}`],
      cwd: process.cwd(),
    });
    page = await app.firstWindow();
  });

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens one hardened window on the first-launch state', async (ctx) => {
    if (SKIP) return ctx.skip(SKIP);
    await page.getByTestId('data-empty').waitFor();
    // Node stays out of the page; only the bridge's functions are there.
    const exposed = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      bridge: Object.keys(window.trainyard ?? {}).sort(),
    }));
    expect(exposed).toEqual({ require: 'undefined', process: 'undefined', bridge: ['cancel', 'chooseFile', 'invoke', 'on', 'secrets', 'useFile'] });
    await page.evaluate(() => window.open('https://example.com'));
    expect(app!.windows()).toHaveLength(1);
    await screenshot(page, 'electron-01-first-launch');
  });

  it('generates sample data, trains and shows the metrics', async (ctx) => {
    if (SKIP) return ctx.skip(SKIP);
    await page.getByTestId('generate-sample').click();
    await page.getByTestId('profile').waitFor({ timeout: 120_000 });
    await page.getByTestId('nav-train').click();
    await page.getByTestId('als-factors').fill('8');
    await page.getByTestId('als-iterations').fill('3');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-run-id').waitFor({ timeout: 180_000 });
    expect(await page.locator('[data-testid=chart-loss-als] svg .recharts-line-dot').count()).toBe(3);
    await page.getByRole('button', { name: 'Evaluate this run' }).click();
    await page.getByTestId('evaluate-metrics').waitFor();
    await screenshot(page, 'electron-02-evaluate');
  });
});
