import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import type { Core } from '../core';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { bindIpc } from './ipc';
import { startUpdates } from './start-updates';
import { APP_ORIGIN, hardenApp, trustedSenderCheck } from './security';

export interface ShellOptions {
  /** Folder of the built main bundle; preload and renderer sit beside it (out/preload, out/renderer). */
  outDir: string;
  buildCore: (env: { appVersion: string; isPackaged: boolean }) => Promise<Core>;
}

/** The Electron shell: windows, IPC and protocols. Everything else lives in the core. */
export function runShell(options: ShellOptions): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
  let mainWindow: BrowserWindow | undefined;
  let core: Core | undefined;
  let stopUpdates: () => void = () => undefined;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  const createWindow = () => {
    mainWindow = new BrowserWindow({
      width: 1280,
      height: 800,
      show: false,
      title: 'Outpost',
      webPreferences: {
        preload: join(options.outDir, '../preload/index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        spellcheck: false,
      },
    });
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    mainWindow.on('closed', () => (mainWindow = undefined));
    void mainWindow.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
  };

  app.whenReady().then(
    async () => {
      hardenApp(devOrigin);
      serveRenderer(join(options.outDir, '../renderer'), () => core?.content);
      core = await options.buildCore({ appVersion: app.getVersion(), isPackaged: app.isPackaged });
      // While a licensed material is open, ask the OS to keep the window out of screen captures.
      core.content.watch((open) => mainWindow?.setContentProtection(open > 0));
      bindIpc(
        ipcMain,
        core.handlers,
        trustedSenderCheck(() => mainWindow?.webContents, devOrigin),
      );
      createWindow();
      stopUpdates = await startUpdates(core);
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createWindow();
      });
    },
    (error: unknown) => {
      console.error('Outpost failed to start', error);
      app.exit(1);
    },
  );

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    stopUpdates();
    void core?.close();
  });
}
