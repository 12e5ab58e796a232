// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../main/common/contracts/runs.ts';
import { loadSettings } from '../../renderer/state/settings.ts';
import { FakeEngine } from '../support/fake-engine.ts';
import { runDetail, runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function classifierDetail(): RunDetail {
  const d = runDetail('run_c', 1, 0);
  d.metrics = null;
  const bins = (a: number[], b: number[]) => a.map((correct, i) => ({ lo: i / a.length, hi: (i + 1) / a.length, correct, wrong: b[i]! }));
  return Object.assign(d, {
    classifier: {
      model: 'fasttext',
      metrics: { accuracy: 0.97, macro_f1: 0.95 },
      baselineMetrics: { accuracy: 0.5, macro_f1: 0.33 },
      labels: ['ham', 'spam'],
      confusion: [
        [90, 2],
        [3, 40],
      ],
      perClass: [
        { label: 'ham', precision: 0.968, recall: 0.978, f1: 0.973, support: 92 },
        { label: 'spam', precision: 0.952, recall: 0.93, f1: 0.941, support: 43 },
      ],
      confidence: { before: bins([60, 20], [40, 15]), after: bins([5, 125], [3, 2]) },
    },
  });
}

describe('Classifier page', () => {
  it('shows metrics, the confusion heatmap, confidence before/after, and classifies a text', async () => {
    const e = new FakeEngine({
      'jobs.list': () => [],
      'runs.list': () => [runSummary('run_c', 1, { stages: ['fasttext'], kind: 'classifier' })],
      'runs.show': () => classifierDetail(),
      'classify.predict': ({ text }) => ({ label: text.includes('win') ? 'spam' : 'ham', probabilities: { spam: 0.9, ham: 0.1 } }),
    });
    renderApp(e, 'classifier');
    expect((await screen.findByTestId('classifier-metrics')).textContent).toContain('0.9700');
    const heat = screen.getByTestId('confusion-heatmap');
    expect([...heat.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['90', '2', '3', '40']);
    await waitFor(() => expect(screen.getByTestId('chart-confidence').querySelectorAll('.recharts-bar-rectangle').length).toBe(8));
    expect(screen.getByTestId('classifier-per-class').textContent).toContain('0.9410');
    fireEvent.change(screen.getByTestId('classify-text'), { target: { value: 'win money now' } });
    fireEvent.click(screen.getByRole('button', { name: 'Classify' }));
    expect((await screen.findByTestId('classify-prediction')).textContent).toContain('spam');
    // the answer names the run that gave it
    expect(screen.getByTestId('classify-prediction').textContent).toContain('run run_c');
  });

  it('shows why auto chose its model', async () => {
    const detail = classifierDetail();
    detail.classifier!.candidates = [
      { model: 'linear', status: 'trained', validation: { accuracy: 0.98, macro_f1: 0.975, loss: 0.1 }, seconds: 2.5, chosen: true },
      { model: 'fasttext', status: 'trained', validation: { accuracy: 0.96, macro_f1: 0.951, loss: 0.2 }, seconds: 4, chosen: false },
      { model: 'encoder', encoder: 'transformers', status: 'skipped', seconds: 0, reason: 'model not on disk', chosen: false },
    ];
    const e = new FakeEngine({
      'jobs.list': () => [],
      'runs.list': () => [runSummary('run_c', 1, { stages: ['auto'], kind: 'classifier' })],
      'runs.show': () => detail,
    });
    renderApp(e, 'classifier');
    const rows = [...(await screen.findByTestId('classifier-candidates')).querySelectorAll('tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((c) => c.textContent),
    );
    expect(rows).toEqual([
      ['TF-IDF + logistic regression', '0.9750', '0.9800', '2.5', 'chosen'],
      ['fastText', '0.9510', '0.9600', '4.0', ''],
      ['head over sentence embeddings (transformers)', '–', '–', '0.0', 'skipped: model not on disk'],
    ]);
    expect((screen.getByTestId('classify-model') as HTMLSelectElement).value).toBe('auto');
  });

  it('has an empty state', async () => {
    renderApp(new FakeEngine({ 'jobs.list': () => [], 'runs.list': () => [] }), 'classifier');
    expect(await screen.findByTestId('classifier-empty')).toBeTruthy();
  });
});

describe('Settings page and theme', () => {
  it('shows the workspace and saves training preferences', async () => {
    renderApp(
      new FakeEngine({ 'jobs.list': () => [], 'workspace.info': () => ({ path: '/home/a/ws', latestRunId: null, threads: 8, version: '0.1.0' }) }),
      'settings',
    );
    expect((await screen.findByTestId('workspace-path')).textContent).toBe('/home/a/ws');
    fireEvent.change(screen.getByTestId('settings-threads'), { target: { value: '3' } });
    fireEvent.change(screen.getByTestId('settings-provider'), { target: { value: 'transformers' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(loadSettings()).toMatchObject({ threads: 3, embeddingProvider: 'transformers' });
    expect(screen.getByText(/In browser mode, set OPENAI_API_KEY/)).toBeTruthy();
  });

  it('cycles the theme through system, light and dark on the root element', async () => {
    renderApp(new FakeEngine({ 'jobs.list': () => [], 'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 1, version: '0' }) }), 'settings');
    const toggle = await screen.findByTestId('theme-toggle');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    fireEvent.click(toggle);
    expect(document.documentElement.getAttribute('data-theme')).toBe('light');
    fireEvent.click(toggle);
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    fireEvent.click(toggle);
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });

  it('reaches every page from the keyboard-focusable navigation', async () => {
    renderApp(
      new FakeEngine({
        'jobs.list': () => [],
        'workspace.info': () => ({ path: '/ws', latestRunId: null, threads: 1, version: '0' }),
        'runs.list': () => [],
        'data.profile': () => null,
      }),
      'data',
    );
    for (const page of ['train', 'runs', 'evaluate', 'sandbox', 'classifier', 'settings', 'data']) {
      const button = await screen.findByTestId(`nav-${page}`);
      expect(button.tagName).toBe('BUTTON');
      fireEvent.click(button);
      await screen.findByTestId(`page-${page}`);
      expect(button.getAttribute('aria-current')).toBe('page');
    }
  });
});
