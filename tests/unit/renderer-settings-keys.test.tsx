// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretName, SecretStatus, SecretStore } from '../../main/common/contracts/bridge.ts';
import { App } from '../../renderer/App.tsx';
import { inProcessApi } from '../support/fake-api.ts';
import { FakeEngine } from '../support/fake-engine.ts';

afterEach(cleanup);

const info = { path: '/tmp/ws', latestRunId: null, threads: 2, version: '0.1.0' };

function renderSettings(status: SecretStatus, stored: SecretName[] = [], set: SecretStore['set'] = async () => {}) {
  const secrets: SecretStore = { set, clear: async () => {}, list: async () => stored, status: async () => status };
  const engine = new FakeEngine({ 'workspace.info': () => info, 'jobs.list': () => [] });
  window.location.hash = '#/settings';
  render(<App api={{ ...inProcessApi(engine), secrets }} />);
}

describe('Settings: API keys', () => {
  it('says keys are encrypted with the OS keychain only when they are', async () => {
    renderSettings({ protection: 'keychain', backend: 'gnome_libsecret' });
    expect((await screen.findByTestId('secrets-protection')).textContent).toMatch(
      /encrypted with the OS keychain \(gnome_libsecret\); the next job or query uses them, no restart needed/,
    );
  });

  it('tells the truth on Linux without a keyring and offers no Store button that would pretend', async () => {
    renderSettings({ protection: 'basic-text', backend: 'basic_text' });
    const text = (await screen.findByTestId('secrets-protection')).textContent!;
    expect(text).toMatch(/No OS keyring is running/);
    expect(text).not.toMatch(/encrypted with the OS keychain/);
    for (const button of screen.getAllByRole('button', { name: 'Store' })) expect((button as HTMLButtonElement).disabled).toBe(true);
  });

  it('reports a damaged key file', async () => {
    renderSettings({ protection: 'keychain', problem: 'secrets.json could not be read, so no API keys were loaded' });
    expect((await screen.findByTestId('secrets-problem')).textContent).toMatch(/could not be read/);
  });

  it('stores the PostgreSQL password of database imports in the keychain', async () => {
    const stored: [SecretName, string][] = [];
    renderSettings({ protection: 'keychain' }, [], async (name, value) => void stored.push([name, value]));
    const field = await screen.findByLabelText(/PostgreSQL password/);
    expect((field as HTMLInputElement).type).toBe('password');
    fireEvent.change(field, { target: { value: 'pg-pw' } });
    const row = field.closest('.row') as HTMLElement;
    fireEvent.click([...row.querySelectorAll('button')].find((b) => b.textContent === 'Store')!);
    expect(stored).toEqual([['postgres', 'pg-pw']]);
  });
});
