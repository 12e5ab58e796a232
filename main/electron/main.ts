import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, nativeTheme, protocol, safeStorage, session } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { isInside } from '../engine/file-access.ts';
import { createEngine, type Engine } from '../engine/index.ts';
import { APP_SCHEME_PRIVILEGES, serveAppProtocol } from './app-protocol.ts';
import { APP_ORIGIN, SECRET_CHANNELS } from '../common/channels.ts';
import { createFileGrants, registerFileIpc } from './file-grants.ts';
import { registerEngineIpc } from './ipc.ts';
import { createSecretVault, isSecretName, type SecretVault } from './secrets.ts';
import { hardenWindow, isTrustedSender } from './security.ts';

/**
 * The desktop app: one window over the renderer, the engine (and its worker pool) in this process,
 * every EngineApi request as an IPC handler. Electron runs it bundled (dist/main/main.js, built by
 * main/build.ts), with the engine's worker threads as bundles beside it.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
const PRELOAD = join(ROOT, 'dist', 'preload', 'index.cjs');

function workspaceDir(): string {
  const flag = process.argv.find((a) => a.startsWith('--workspace='));
  return flag?.slice('--workspace='.length) ?? process.env.TRAINYARD_WORKSPACE ?? join(app.getPath('documents'), 'Trainyard');
}

let window: BrowserWindow | null = null;
let engine: Engine | null = null;
let disposeIpc: (() => void) | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    title: 'Trainyard',
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#14171c' : '#f6f7f9',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  hardenWindow(win, session.defaultSession);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    window = null;
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

function guard(event: IpcMainInvokeEvent): void {
  if (!isTrustedSender(event, window)) throw new Error('refused: not the Trainyard window');
}

function registerSecretIpc(vault: SecretVault): void {
  ipcMain.handle(SECRET_CHANNELS.set, (event, name: unknown, value: unknown) => {
    guard(event);
    if (!isSecretName(name) || typeof value !== 'string') throw new Error('bad secret');
    vault.set(name, value);
    vault.syncEnv(process.env);
  });
  ipcMain.handle(SECRET_CHANNELS.clear, (event, name: unknown) => {
    guard(event);
    if (!isSecretName(name)) throw new Error('bad secret name');
    vault.clear(name);
    vault.syncEnv(process.env);
  });
  ipcMain.handle(SECRET_CHANNELS.list, (event) => {
    guard(event);
    return vault.list();
  });
  ipcMain.handle(SECRET_CHANNELS.status, (event) => {
    guard(event);
    return vault.status();
  });
}

async function start(): Promise<void> {
  if (!existsSync(PRELOAD) || !existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`the app is not built: ${PRELOAD} or ${RENDERER_DIR}/index.html is missing (npm run build)`);
  }
  const vault = createSecretVault(join(app.getPath('userData'), 'secrets.json'), safeStorage);
  const { problem } = vault.status();
  if (problem) console.warn(problem);
  // Job workers share this environment and read the keys when a job starts.
  vault.syncEnv(process.env);
  const workspace = resolve(workspaceDir());
  const grants = createFileGrants();
  engine = await createEngine({ workspace, files: { scope: 'workspace', granted: grants, hint: 'choose the file with Browse… or drop it on the window' } });
  serveAppProtocol(protocol, RENDERER_DIR);
  const isTrusted = (event: Parameters<typeof isTrustedSender>[0]) => isTrustedSender(event, window);
  disposeIpc = registerEngineIpc({
    engine,
    ipc: ipcMain,
    isTrusted,
    send: (channel, event, payload) => window?.webContents.send(channel, event, payload),
    reveals: (path) => isInside(resolve(path), workspace) || grants.has(path),
  });
  registerSecretIpc(vault);
  registerFileIpc({ ipc: ipcMain, isTrusted, grants, showOpenDialog: (options) => (window ? dialog.showOpenDialog(window, options) : null) });
  window = createWindow();
}

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
if (!app.requestSingleInstanceLock()) app.quit();
app.on('second-instance', () => {
  if (window?.isMinimized()) window.restore();
  window?.focus();
});
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});
app.on('window-all-closed', () => app.quit());
app.on('activate', () => {
  if (window === null && engine !== null) window = createWindow();
});

// On quit: stop answering IPC, cancel running jobs and close the database, then let the app exit.
let closing = false;
app.on('before-quit', (event) => {
  if (closing || engine === null) return;
  event.preventDefault();
  closing = true;
  disposeIpc?.();
  const running = engine;
  engine = null;
  running.close().finally(() => app.quit());
});

app
  .whenReady()
  .then(start)
  .catch((err: unknown) => {
    console.error(err);
    app.exit(1);
  });
