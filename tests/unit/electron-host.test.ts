import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { ENGINE_REQUESTS } from '../../main/common/contracts/requests.ts';
import { appProtocolResponse } from '../../main/electron/app-protocol.ts';
import { APP_ORIGIN, CHOOSE_FILE_CHANNEL, EVENT_CHANNEL, GRANT_FILE_CHANNEL, requestChannel } from '../../main/common/channels.ts';
import { createFileGrants, registerFileIpc } from '../../main/electron/file-grants.ts';
import { registerEngineIpc } from '../../main/electron/ipc.ts';
import { createSecretVault } from '../../main/electron/secrets.ts';
import { isAppUrl, isTrustedSender } from '../../main/electron/security.ts';
import { FakeEngine } from '../support/fake-engine.ts';

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
      'data.preview': ({ file }) => {
        throw new Error(`EACCES: permission denied, open '${file}' at /opt/app/main/engine/data/preview.ts:10`);
      },
    });
    const ipc = fakeIpc();
    const sent: unknown[][] = [];
    const dispose = registerEngineIpc({
      engine,
      ipc: ipc as never,
      isTrusted: (e) => isTrustedSender(e, { webContents: { id: 1 } }),
      send: (...a) => sent.push(a),
      reveals: (path) => path.startsWith('/home/me/chosen/'),
    });
    return { engine, ipc, sent, dispose };
  };

  it('registers exactly one handler per request of the contract', () => {
    const { ipc } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(ENGINE_REQUESTS.map(requestChannel).sort());
  });

  it('answers trusted senders with results and errors as data', async () => {
    const { ipc } = setup();
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(trusted, { jobId: 'j1' })).toEqual({ ok: true, value: { cancelled: true } });
    expect(await ipc.handlers.get(requestChannel('runs.show'))!(trusted, { run: 'x' })).toMatchObject({
      ok: false,
      error: { kind: 'not-found', details: { run: 'x' } },
    });
    expect(await ipc.handlers.get(requestChannel('jobs.cancel'))!(trusted, { jobId: 3 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
  });

  it('answers errors without the stack, and cuts paths the user did not choose to their file name', async () => {
    const { ipc, engine, sent } = setup();
    const refused = (await ipc.handlers.get(requestChannel('data.preview'))!(trusted, { file: '/etc/shadow', kind: 'items' })) as {
      ok: false;
      error: Record<string, unknown>;
    };
    expect(refused.error.stack).toBeUndefined();
    expect(refused.error.message).toBe("EACCES: permission denied, open 'shadow' at preview.ts:10");
    const chosen = (await ipc.handlers.get(requestChannel('data.preview'))!(trusted, { file: '/home/me/chosen/a.csv', kind: 'items' })) as {
      ok: false;
      error: { message: string };
    };
    expect(chosen.error.message).toContain("open '/home/me/chosen/a.csv'");
    engine.emit('job.state', {
      jobId: 'j',
      kind: 'train',
      label: 'train',
      state: 'failed',
      createdAt: '',
      error: { kind: 'internal', message: 'boom in /opt/app/x.ts', stack: 'Error: boom\n    at /opt/app/x.ts:1:1' },
    });
    expect(sent.at(-1)![2]).toMatchObject({ error: { kind: 'internal', message: 'boom in x.ts' } });
    expect((sent.at(-1)![2] as { error: object }).error).not.toHaveProperty('stack');
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
  const keychain = (available = true, backend?: string) => ({
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
  });
  const vaultFile = () => join(mkdtempSync(join(tmpdir(), 'ty-vault-')), 'secrets.json');

  it('stores keys encrypted, lists names only, and keeps the environment in step as keys are set and cleared', () => {
    const file = vaultFile();
    const vault = createSecretVault(file, keychain(true, 'gnome_libsecret'), {});
    const env: NodeJS.ProcessEnv = {};
    vault.set('openai', 'sk-secret-123');
    expect(readFileSync(file, 'utf8')).not.toContain('sk-secret-123');
    expect(vault.list()).toEqual(['openai']);
    expect(vault.status()).toEqual({ protection: 'keychain', backend: 'gnome_libsecret' });
    vault.syncEnv(env);
    expect(env.OPENAI_API_KEY).toBe('sk-secret-123');
    vault.clear('openai');
    vault.syncEnv(env);
    expect(vault.list()).toEqual([]);
    expect(env).not.toHaveProperty('OPENAI_API_KEY');
  });

  it('keeps the PostgreSQL password in the keychain and hands it to imports as TRAINYARD_PG_PASSWORD', () => {
    const file = vaultFile();
    const vault = createSecretVault(file, keychain(true, 'gnome_libsecret'), {});
    const env: NodeJS.ProcessEnv = {};
    vault.set('postgres', 'pg-Secret-456');
    expect(readFileSync(file, 'utf8')).not.toContain('pg-Secret-456');
    vault.syncEnv(env);
    expect(env.TRAINYARD_PG_PASSWORD).toBe('pg-Secret-456');
    vault.clear('postgres');
    vault.syncEnv(env);
    expect(env).not.toHaveProperty('TRAINYARD_PG_PASSWORD');
  });

  it('leaves keys given in the environment at launch alone', () => {
    const vault = createSecretVault(vaultFile(), keychain(), { GEMINI_API_KEY: 'from-shell' });
    const env: NodeJS.ProcessEnv = { GEMINI_API_KEY: 'from-shell' };
    vault.set('gemini', 'stored');
    vault.clear('gemini');
    vault.syncEnv(env);
    expect(env.GEMINI_API_KEY).toBe('from-shell');
  });

  it('refuses to store without keychain encryption', () => {
    const vault = createSecretVault(vaultFile(), keychain(false), {});
    expect(() => vault.set('gemini', 'k')).toThrow(/keychain/);
    expect(vault.status().protection).toBe('unavailable');
  });

  it('tells the truth on Linux without a keyring (basic_text) and stores nothing', () => {
    const file = vaultFile();
    const vault = createSecretVault(file, keychain(true, 'basic_text'), {});
    expect(vault.status()).toEqual({ protection: 'basic-text', backend: 'basic_text' });
    expect(() => vault.set('openai', 'sk-1')).toThrow(/fixed password/);
    expect(existsSync(file)).toBe(false);
  });

  it('starts with no keys from a damaged secrets.json, reports it and keeps the file aside', () => {
    const file = vaultFile();
    writeFileSync(file, '{"openai": "abc", trunc');
    const vault = createSecretVault(file, keychain(), {});
    expect(vault.list()).toEqual([]);
    expect(vault.status().problem).toMatch(/could not be read/);
    const aside = readdirSync(join(file, '..')).filter((f) => f.startsWith('secrets.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(file, '..', aside[0]!), 'utf8')).toBe('{"openai": "abc", trunc');
    vault.set('openai', 'sk-new');
    expect(vault.list()).toEqual(['openai']);
  });
});

describe('file grants', () => {
  const setup = (chosen: string | null) => {
    const ipc = fakeIpc();
    const grants = createFileGrants();
    const dispose = registerFileIpc({
      ipc: ipc as never,
      isTrusted: (e) => isTrustedSender(e, { webContents: { id: 1 } }),
      grants,
      showOpenDialog: async () => ({ canceled: chosen === null, filePaths: chosen === null ? [] : [chosen] }),
    });
    return { ipc, grants, dispose };
  };

  it('grants the file chosen in the open dialog, and only for the app window', async () => {
    const { ipc, grants } = setup('/home/me/data/ratings.csv');
    expect(await ipc.handlers.get(CHOOSE_FILE_CHANNEL)!(trusted, 'interactions')).toBe('/home/me/data/ratings.csv');
    expect(grants.has('/home/me/data/ratings.csv')).toBe(true);
    expect(grants.has('/home/me/data/other.csv')).toBe(false);
    await expect(ipc.handlers.get(CHOOSE_FILE_CHANNEL)!(foreign, 'interactions')).rejects.toThrow(/refused/);
    expect(await setup(null).ipc.handlers.get(CHOOSE_FILE_CHANNEL)!(trusted, 'items')).toBeNull();
  });

  it('grants a dropped file by the path the preload read, but never a folder or a relative path', async () => {
    const { ipc, grants, dispose } = setup(null);
    const dir = mkdtempSync(join(tmpdir(), 'ty-drop-'));
    const file = join(dir, 'dropped.csv');
    writeFileSync(file, 'user,item\n');
    expect(await ipc.handlers.get(GRANT_FILE_CHANNEL)!(trusted, file)).toBe(file);
    expect(grants.has(file)).toBe(true);
    for (const bad of [dir, 'dropped.csv', 42]) await expect(ipc.handlers.get(GRANT_FILE_CHANNEL)!(trusted, bad)).rejects.toThrow();
    await expect(ipc.handlers.get(GRANT_FILE_CHANNEL)!(foreign, file)).rejects.toThrow(/refused/);
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});
