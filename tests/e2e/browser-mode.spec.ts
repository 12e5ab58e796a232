import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../../main/common/contracts/api.ts';
import { createEngine, type Engine } from '../../main/engine/index.ts';
import { startServer, type RunningServer } from '../../main/server/index.ts';
import { launchChromium, screenshot } from './support/browser.ts';
import { buildRenderer } from './support/build-renderer.ts';
import { topicTexts } from '../fixtures/text/synthetic.ts';
import { jobFinished } from './support/engine-events.ts';

/**
 * The analyst's first session, in Chromium against browser mode with the real engine:
 * first launch → sample data → train → charts → evaluate → sandbox → compare runs → cancel a job.
 * Tests run in order and share the workspace.
 */
describe('browser mode end to end', () => {
  let dir: string;
  let engine: Engine;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let sampleInteractions = '';
  const runs: string[] = [];

  beforeAll(async () => {
    const staticDir = await buildRenderer();
    dir = mkdtempSync(join(tmpdir(), 'ty-e2e-'));
    // As `trainyard serve` does: the page reaches the workspace only, and uploads files into it.
    engine = await createEngine({ workspace: join(dir, 'workspace'), workers: 1, files: { scope: 'workspace' } });
    server = await startServer({ engine, port: 0, host: '127.0.0.1', staticDir, workspace: engine.workspace.root });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (err) => console.error('page error:', err));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const nav = async (name: string) => {
    await page.getByTestId(`nav-${name}`).click();
    await page.getByTestId(`page-${name}`).waitFor();
  };

  /** Trains through the form with the given ALS size and returns the run id the page shows. */
  async function trainFromForm(factors: number, iterations: number, extraStages: string[] = []): Promise<string> {
    await nav('train');
    for (const stage of extraStages) await page.getByTestId(`stage-${stage}`).check();
    await page.getByTestId('als-factors').fill(String(factors));
    await page.getByTestId('als-iterations').fill(String(iterations));
    const finished = jobFinished(engine, 'train');
    await page.getByTestId('train-start').click();
    const info = await finished;
    expect(info.error?.message).toBeUndefined();
    const runId = (info.result as TrainResult).runId;
    await page.getByTestId('train-run-id').filter({ hasText: runId }).waitFor();
    return runId;
  }

  it('opens on the first-launch empty state; the API refuses requests without the token', async () => {
    const bare = await fetch(`${server.origin}/api/workspace.info`, { method: 'POST' });
    expect(bare.status).toBe(401);
    await page.goto(server.url);
    await page.getByTestId('data-empty').waitFor();
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await screenshot(page, '01-first-launch');
  });

  it('generates sample data, imports it and draws the profile charts', async () => {
    const generated = jobFinished(engine, 'data.generate');
    const imported = jobFinished(engine, 'data.import');
    await page.getByTestId('generate-sample').click();
    const gen = await generated;
    expect(gen.state).toBe('succeeded');
    sampleInteractions = (gen.result as { interactions: string }).interactions;
    expect((await imported).state).toBe('succeeded');
    await page.getByTestId('profile').waitFor();

    const profile = await engine.request('data.profile', {});
    expect(await page.getByTestId('profile-users').textContent()).toContain(profile!.users.toLocaleString('en-US'));
    expect(await page.locator('[data-testid=chart-popularity] svg .recharts-line-curve').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.locator('[data-testid=chart-per-user] svg .recharts-bar-rectangle').count()).toBe(profile!.perUser.histogram.length);
    expect(await page.locator('[data-testid=chart-activity] svg .recharts-area-area').count()).toBe(1);
    await screenshot(page, '02-data-profile');
  });

  it('previews the columns of a file before importing it, with the detected mapping', async () => {
    await page.getByTestId('import-interactions').fill(sampleInteractions);
    await page.getByTestId('preview-columns').click();
    await page.getByTestId('preview-interactions-table').waitFor();
    const header = readFileSync(sampleInteractions, 'utf8').split('\n', 1)[0]!.split(',');
    const shown = await page
      .locator('[data-testid=preview-interactions-table] thead th')
      .evaluateAll((ths) => ths.map((th) => th.firstChild?.textContent ?? ''));
    expect(shown).toEqual(header);
    expect(await page.locator('[data-testid=preview-interactions-table] tbody tr').count()).toBe(20);
    const userColumn = await page.getByTestId('map-interactions-user').inputValue();
    expect(header).toContain(userColumn);
    expect(await page.getByTestId('preview-interactions-missing').count()).toBe(0);
    await screenshot(page, '02b-data-preview');
  });

  it('trains from the form with live per-stage progress and the ALS loss chart', async () => {
    runs.push(await trainFromForm(16, 6, ['semantic']));
    await page.getByTestId('stage-progress-als').waitFor();
    expect(await page.getByTestId('stage-progress-als').textContent()).toContain('6 / 6 iteration');
    expect(await page.locator('[data-testid=chart-loss-als] svg .recharts-line-dot').count()).toBe(6);
    expect(await page.locator('[data-testid=chart-loss-als] svg .recharts-line-curve').getAttribute('d')).toMatch(/^M/);
    // the result says whether the run became LATEST, and why (issue 15, item 4)
    expect(await page.getByTestId('train-promotion').textContent()).toMatch(/LATEST/);
    await screenshot(page, '03-train-finished');
    // the form keeps its settings across pages (item 7)
    await nav('data');
    await nav('train');
    expect(await page.getByTestId('als-factors').inputValue()).toBe('16');
  });

  it('shows on the Evaluate page exactly the numbers the engine stored for the run', async () => {
    await page.goto(`${server.origin}/#/evaluate/${runs[0]}`);
    await page.getByTestId('evaluate-metrics').waitFor();
    const detail = await engine.request('runs.show', { run: runs[0]! });
    const cells = page.locator('[data-testid^="metric-"]');
    const count = await cells.count();
    expect(count).toBeGreaterThanOrEqual(3 * 2);
    for (let i = 0; i < count; i++) {
      const [, model, name] = /^metric-(.+)-([a-z]+@\d+)$/.exec((await cells.nth(i).getAttribute('data-testid'))!)!;
      expect(Number(await cells.nth(i).getAttribute('data-value')), `${model} ${name}`).toBe(detail.metrics!.models[model!]![name!]);
    }
    for (const metric of ['recall', 'ndcg']) {
      expect(await page.locator(`[data-testid=chart-curve-${metric}] svg .recharts-line-curve`).count()).toBe(Object.keys(detail.metrics!.models).length);
    }
    const summary = page.getByTestId('per-user-summary');
    await summary.waitFor();
    expect(Number(await summary.getAttribute('data-users'))).toBe(detail.metrics!.users.evaluated);
    expect(Number(await summary.getAttribute('data-mean'))).toBeCloseTo(detail.metrics!.models.als!['ndcg@10']!, 6);
    expect(await page.locator('[data-testid=chart-per-user-metric] svg .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('per-user-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${runs[0]}-als-per_user.csv`);
    expect(readFileSync((await file.path())!, 'utf8')).toBe(readFileSync(join(engine.workspace.root, 'runs', runs[0]!, 'als', 'per_user.csv'), 'utf8'));
    // what really ran, per stage, from the run's manifest
    for (const stage of detail.manifest.stages) await page.getByTestId(`stage-${stage.name}`).waitFor();
    const semantic = detail.manifest.stages.find((s) => s.name === 'semantic')!;
    const store = semantic.effective!.store as { kind: string };
    expect(await page.getByTestId('stage-semantic').textContent()).toContain(`store.kind: ${store.kind}`);
    await screenshot(page, '04-evaluate');
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, '04-evaluate-dark');
    await page.getByTestId('theme-toggle').click();
  });

  it('recommends for a user picked from the most active ones in the sandbox, per mode, with explanations', async () => {
    await nav('sandbox');
    const top = await engine.request('data.users', { limit: 50 });
    await page.locator('[data-testid=user-quick-picks] button').first().waitFor();
    expect(await page.locator('[data-testid=sandbox-user-list] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(
      top.map((u) => u.user),
    );
    await page.locator('[data-testid=user-quick-picks] button').first().click();
    await page.getByTestId('recommend-results').waitFor();
    expect(await page.getByTestId('sandbox-user').inputValue()).toBe(top[0]!.user);
    expect(await page.locator('[data-testid=user-history] li').count()).toBe(Math.min(20, top[0]!.events));
    expect(await page.locator('[data-testid=recs-cf] [data-testid=rec-item]').count()).toBe(10);
    expect(await page.locator('[data-testid=recs-baseline] [data-testid=rec-item]').count()).toBe(10);
    expect(await page.locator('[data-testid=recs-cf] .because').count()).toBeGreaterThan(0);
    await screenshot(page, '05-sandbox');
    // an id the run does not know is said to be unknown, not quietly answered (item 12)
    await page.getByTestId('sandbox-user').fill('nobody-at-all');
    await page.getByTestId('recommend-submit').click();
    expect(await page.getByTestId('unknown-user').textContent()).toContain('“nobody-at-all” is not in this run');
  });

  it('searches the semantic index of the run from the sandbox; a query of unknown words is no match, naming them', async () => {
    // the sample catalogue's words (data/vocabulary.ts) include trail and canyon; zorgle is neither
    // there nor among the English words of the GloVe vectors the builtin default combines with LSA
    await page.getByTestId('search-input').fill('zorgle');
    await page.getByTestId('search-input').press('Enter');
    expect(await page.getByTestId('search-no-match').textContent()).toContain('knows none of the words zorgle');
    await page.getByTestId('search-input').fill('zorgle trail canyon');
    await page.getByTestId('search-input').press('Enter');
    await page.getByTestId('search-results').waitFor();
    expect(await page.getByTestId('search-hit').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('search-unknown').textContent()).toContain('ignored: zorgle');
  });

  it('compares two runs: only the differing parameter, and metric bars', async () => {
    runs.push(await trainFromForm(8, 6, ['semantic']));
    await nav('runs');
    await page.getByTestId('runs-table').waitFor();
    await page.getByTestId(`select-${runs[0]}`).check();
    await page.getByTestId(`select-${runs[1]}`).check();
    await page.getByTestId('compare-params').waitFor();
    const rows = await page.locator('[data-testid=compare-params] tbody tr td:first-child').allTextContents();
    expect(rows).toEqual(['als.factors']);
    // the data is the same, and the page says so before any number (item 2)
    await page.getByTestId('compare-same-data').waitFor();
    // same data and split: a paired test of the model whose parameters differ (als), with its verdict in words
    const verdict = page.getByTestId('paired-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toMatch(
      /^(als \(run_\S+\) beats als \(run_\S+\) on NDCG@10 by -?\d|no significant difference between als \(run_\S+\) and als \(run_\S+\) on NDCG@10|NDCG@10: inconclusive)/,
    );
    expect(await page.getByTestId('paired-ndcg@10').locator('td').count()).toBe(7);
    const models = Object.keys((await engine.request('runs.show', { run: runs[1]! })).metrics!.models).length;
    expect(await page.locator('[data-testid="chart-compare-ndcg@10"] svg .recharts-bar-rectangle').count()).toBe(2 * models);
    await screenshot(page, '06-compare');

    // switching the Sandbox's run clears the other run's answers (item 1)
    await page.goto(`${server.origin}/#/sandbox/${runs[0]}`);
    await page.locator('[data-testid=user-quick-picks] button').first().click();
    expect(await page.getByTestId('recommend-source').textContent()).toContain(`run ${runs[0]}`);
    await page.getByTestId('run-picker').selectOption(runs[1]!);
    await page.getByTestId('recommend-results').waitFor({ state: 'detached' });
    expect(await page.getByTestId('sandbox-user').inputValue()).toBe('');
  });

  // after the compare above: an outside model in one run only would add a bar to its chart
  it("scores another tool's top-K lists on the run's split and shows them beside its models", async () => {
    const runDir = join(engine.workspace.root, 'runs', runs[0]!);
    // the run's own ALS lists as another tool would write them, plus a user the run does not know
    const lines = ['user,item,rank', 'nobody,i1,1'];
    for (const row of parse(readFileSync(join(runDir, 'als', 'per_user.csv'), 'utf8'), { columns: true }) as Record<string, string>[]) {
      (JSON.parse(row.top_items!) as string[]).forEach((item, r) => lines.push(`${row.user},${item},${r + 1}`));
    }
    // picked in the page from outside the workspace: browser mode uploads it into the workspace
    const file = join(dir, 'tool.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    await page.goto(`${server.origin}/#/evaluate/${runs[0]}`);
    await page.getByTestId('outside-file-input').setInputFiles(file);
    await page.getByTestId('outside-file').filter({ hasText: 'tool.csv' }).waitFor();
    await page.getByTestId('outside-name').fill('tool');
    await page.getByTestId('outside-score').click();
    const outside = page.getByTestId('outside-external:tool');
    await outside.waitFor();
    const scored = (await engine.request('runs.show', { run: runs[0]! })).metrics!;
    expect(scored.models['external:tool']).toEqual(scored.models.als);
    // rows, then 1 unknown user
    expect((await outside.locator('td').allTextContents()).slice(2, 4)).toEqual([(lines.length - 1).toLocaleString('en-US'), '1']);
    expect(Number(await page.getByTestId('metric-external:tool-ndcg@10').getAttribute('data-value'))).toBe(scored.models.als!['ndcg@10']);
  });

  it('cancels a running training job; the run is kept as cancelled and LATEST does not move', async () => {
    const latestBefore = (await engine.request('workspace.info', undefined)).latestRunId;
    await nav('train');
    await page.getByTestId('als-factors').fill('32');
    await page.getByTestId('als-iterations').fill('1000');
    const finished = jobFinished(engine, 'train');
    await page.getByTestId('train-start').click();
    // ALS has reported an iteration: the job is really running.
    await page.locator('[data-testid=chart-loss-als] svg .recharts-line-dot').first().waitFor();
    await screenshot(page, '07-train-running');
    await page.getByTestId('cancel-job').click();
    expect((await finished).state).toBe('cancelled');
    await page.locator('[data-testid=job-progress][data-state=cancelled]').waitFor();
    // cancelled reads as cancelled, not as an error (items 6 and 15)
    expect(await page.getByTestId('job-cancelled').textContent()).toBe('Cancelled: LATEST unchanged.');
    expect((await engine.request('workspace.info', undefined)).latestRunId).toBe(latestBefore);
    await screenshot(page, '08-train-cancelled');
  });

  it('trains a text classifier from the Classifier page and shows before → after', async () => {
    const data = join(dir, 'topics.jsonl');
    writeFileSync(
      data,
      topicTexts(600, 3)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    await nav('classifier');
    await page.getByRole('heading', { name: 'Train a classifier' }).waitFor();
    // A typed path outside the workspace is refused; the file is uploaded instead.
    await page.getByTestId('classify-data').fill(data);
    await page.getByTestId('classify-train').click();
    expect(await page.getByRole('alert').filter({ hasText: 'outside the workspace' }).textContent()).toContain('topics.jsonl');
    await page.getByTestId('classify-data-file').setInputFiles(data);
    await page.waitForFunction(() => (document.querySelector('[data-testid=classify-data]') as HTMLInputElement).value.includes('/uploads/'));
    const uploaded = await page.getByTestId('classify-data').inputValue();
    expect(uploaded.startsWith(join(engine.workspace.root, 'uploads'))).toBe(true);
    expect(readFileSync(uploaded, 'utf8')).toBe(readFileSync(data, 'utf8'));
    const finished = jobFinished(engine, 'classify.train');
    await page.getByTestId('classify-train').click();
    const info = await finished;
    expect(info.error?.message).toBeUndefined();
    await page.getByTestId('classifier-run').waitFor();
    const detail = await engine.request('runs.show', { run: (info.result as { runId: string }).runId });
    expect(await page.getByTestId('classifier-metrics').textContent()).toContain(detail.classifier!.metrics.accuracy!.toFixed(4));
    expect(await page.locator('[data-testid=confusion-heatmap] td').count()).toBe(9);
    expect(await page.locator('[data-testid=chart-confidence] svg .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await page.getByTestId('classify-text').fill('the coach praised the team after the goal');
    await page.getByRole('button', { name: 'Classify' }).click();
    expect(await page.getByTestId('classify-prediction').textContent()).toContain('sport');
    await screenshot(page, '09-classifier');
    // the classifier run is not offered where recommendations are asked for (item 5)
    await nav('sandbox');
    // the picker fills from runs.list: wait for the runs it must offer before reading it
    for (const run of runs) await page.locator(`[data-testid=run-picker] option[value="${run}"]`).waitFor({ state: 'attached' });
    const offered = await page.locator('[data-testid=run-picker] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(expect.arrayContaining(runs));
    expect(offered).not.toContain((info.result as { runId: string }).runId);
  });

  it('shows the workspace on the Settings page', async () => {
    await nav('settings');
    expect(await page.getByTestId('workspace-path').textContent()).toBe(engine.workspace.root);
    await screenshot(page, '10-settings');
  });
});
