import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, defaultDataDir, DEFAULT_SERVER_URL } from './core';
import { runShell } from './shell/shell';

/** Electron entry: builds the core and hands it to the shell. */
runShell({
  outDir: dirname(fileURLToPath(import.meta.url)),
  buildCore: ({ appVersion, isPackaged }) =>
    createCore({
      // A packaged laptop takes the server's signing key only from its build, never the network (#16).
      trustServerKeyOnFirstUse: !isPackaged,
      dataDir: defaultDataDir(),
      appVersion,
      platform: process.platform,
      defaultServerUrl: process.env.OUTPOST_SERVER_URL ?? DEFAULT_SERVER_URL,
    }),
});
