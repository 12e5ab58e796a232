// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine } from '../support/fake-engine.ts';
import { profileFixture, runDetail, runSummary } from '../support/fixtures.ts';
import { renderApp } from '../support/render-app.tsx';

afterEach(cleanup);

function engine() {
  return new FakeEngine({
    'jobs.list': () => [],
    'workspace.info': () => ({ path: '/ws', latestRunId: 'run_a', threads: 2, version: '0.1.0' }),
    'data.profile': () => profileFixture,
    'runs.list': () => [runSummary('run_a', 1, { isLatest: true }), runSummary('run_b', 2)],
    'runs.show': ({ run }) => runDetail(run, 1, 16),
    'data.users': () => [],
  });
}

/** Every form control of the page has a non-empty accessible name. */
function expectNamedControls() {
  for (const role of ['combobox', 'textbox', 'searchbox', 'spinbutton', 'checkbox', 'radio', 'button'] as const) {
    const all = screen.queryAllByRole(role);
    const named = screen.queryAllByRole(role, { name: /\S/ });
    expect(
      all.filter((el) => !named.includes(el)).map((el) => el.outerHTML.slice(0, 120)),
      role,
    ).toEqual([]);
  }
}

describe('accessibility', () => {
  it.each([
    ['data', 'profile'],
    ['sandbox', 'search-input'],
    ['runs', 'runs-table'],
    ['settings', 'settings-threads'],
  ])('names every control of the %s page, with a skip link first', async (page, loaded) => {
    renderApp(engine(), page);
    await screen.findByTestId(loaded);
    expectNamedControls();
    const skip = screen.getByRole('link', { name: 'Skip to the page content' });
    fireEvent.click(skip);
    expect(document.activeElement).toBe(screen.getByTestId(`page-${page}`));
  });

  it('keeps the label as the name of a field that shows an error; the two Train controls have distinct names', async () => {
    renderApp(engine(), 'train');
    for (const stage of ['itemknn', 'ease', 'hybrid']) fireEvent.click(await screen.findByTestId(`stage-${stage}`));
    fireEvent.change(screen.getByTestId('als-factors'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    const factors = await screen.findByRole('spinbutton', { name: 'Factors' });
    expect(factors.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('spinbutton', { name: 'Factors', description: 'a whole number from 1 to 1,024' })).toBe(factors);
    expectNamedControls();
    expect(screen.getAllByRole('button', { name: 'Train' })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: 'Start training' })).toHaveLength(1);
  });
});
