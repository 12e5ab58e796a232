import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { EngineError } from '../../main/engine/contracts/errors.ts';
import { ENGINE_REQUESTS } from '../../main/engine/contracts/requests.ts';
import { appProtocolResponse } from '../../main/electron/app-protocol.ts';
import { APP_ORIGIN, EVENT_CHANNEL, requestChannel } from '../../main/electron/channels.ts';
import { registerEngineIpc } from '../../main/electron/ipc.ts';
import { createSecretVault } from '../../main/electron/secrets.ts';
import { isAppUrl, isTrustedSender } from '../../main/electron/security.ts';
import { FakeEngine } from '../e2e/support/fake-engine.ts';

type Handler = (event: IpcMainInvokeEvent, arg: unknown) => Promise<unknown>;

function fakeIpc() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: (channel: string, h: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, h);
    },
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

const trusted = { sender: { id: 1 }, senderFrame: { url: `${APP_ORIGIN}/index.html` } } as unknown as IpcMainInvokeEvent;
const foreign = { sender: { id: 2 }, senderFrame: { url: 'https://evil.example/' } } as unknown as IpcMainInvokeEvent;

describe('engine IPC', () => {
  const setup = () => {
    const engine = new FakeEngine({
      'jobs.cancel': ({ jobId }) => ({ cancelled: jobId === 'j1' }),
      'runs.show': () => {
        throw new EngineError('not-found', 'no run', { run: 'x' });
      },
    });
    const ipc = fakeIpc();
    const sent: unknown[][] = [];
    const dispose = registerEngineIpc({ engine, ipc: ipc as never, isTrusted: (e) => isTrustedSender(e, { webContents: { id: 1 } }), send: (...a) => sent.push(a) });
    return { engine, ipc, sent, dispose };
  };

  it('registers exactly one handler per request of the contract', () => {
    const { ipc } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(ENGINE_REQUESTS.map(requestChannel).sort());
  });

  it('answers trusted senders with results and errors as data', async () => {
    const { ipc } = setup();
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(trusted, { jobId: 'j1' })).toEqual({ ok: true, value: { cancelled: true } });
    expect(await ipc.handlers.get(requestChannel('runs.show'))!(trusted, { run: 'x' })).toMatchObject({ ok: false, error: { kind: 'not-found', details: { run: 'x' } } });
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(trusted, { jobId: 3 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
  });

  it('refuses other senders before the engine sees anything', async () => {
    const { ipc, engine } = setup();
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(foreign, { jobId: 'j1' })).toMatchObject({ ok: false });
    const wrongFrame = { sender: { id: 1 }, senderFrame: { url: 'file:///etc/passwd' } } as unknown as IpcMainInvokeEvent;
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(wrongFrame, { jobId: 'j1' })).toMatchObject({ ok: false });
    expect(engine.calls).toHaveLength(0);
  });

  it('forwards engine events and undoes everything on dispose', () => {
    const { engine, ipc, sent, dispose } = setup();
    engine.emit('runs.changed', { runId: 'r1' });
    expect(sent).toEqual([[EVENT_CHANNEL, 'runs.changed', { runId: 'r1' }]]);
    dispose();
    engine.emit('runs.changed', { runId: 'r2' });
    expect(sent).toHaveLength(1);
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('app security helpers', () => {
  it('recognises only the app origin', () => {
    expect(isAppUrl(`${APP_ORIGIN}/index.html#/runs`)).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///x')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isTrustedSender(trusted, null)).toBe(false);
  });

  it('serves the renderer over app:// with the CSP and without escaping its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-app-'));
    writeFileSync(join(dir, 'index.html'), '<title>T</title>');
    const page = await appProtocolResponse(dir, `${APP_ORIGIN}/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'none'");
    expect(await page.text()).toBe('<title>T</title>');
    expect((await appProtocolResponse(dir, `${APP_ORIGIN}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    // The URL parser folds dot segments, so this names <dir>/etc/passwd: no such file, the app page instead.
    expect(await (await appProtocolResponse(dir, `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`)).text()).toBe('<title>T</title>');
    expect((await appProtocolResponse(dir, 'app://elsewhere/index.html')).status).toBe(404);
  });
});

describe('secret vault', () => {
  // Stands in for the OS keychain: reversible, but never the plain text.
  const keychain = (available = true) => ({
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
  });

  it('stores keys encrypted, lists names only, exports them to the environment', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ty-vault-')), 'secrets.json');
    const vault = createSecretVault(file, keychain());
    vault.set('openai', 'sk-secret-123');
    expect(readFileSync(file, 'utf8')).not.toContain('sk-secret-123');
    expect(vault.list()).toEqual(['openai']);
    const env: NodeJS.ProcessEnv = {};
    vault.exportToEnv(env);
    expect(env.OPENAI_API_KEY).toBe('sk-secret-123');
    vault.clear('openai');
    expect(vault.list()).toEqual([]);
  });

  it('refuses to store without keychain encryption', () => {
    const vault = createSecretVault(join(mkdtempSync(join(tmpdir(), 'ty-vault-')), 's.json'), keychain(false));
    expect(() => vault.set('gemini', 'k')).toThrow(/keychain/);
  });
});
