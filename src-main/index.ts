import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, defaultDataDir, DEFAULT_SERVER_URL, localShopLauncher } from './core';
import { salePushWindowFromEnv } from './core/config';
import { runShell } from './shell/shell';

const outDir = dirname(fileURLToPath(import.meta.url));
/** The source checkout `npm start` runs from (out/main/..): its server is the local shop's (issue #19). */
const checkout = join(outDir, '..', '..');

/** Electron entry: builds the core and hands it to the shell. */
runShell({
  outDir,
  buildCore: ({ appVersion, isPackaged }) =>
    createCore({
      // A packaged laptop takes the server's signing key only from its build, never the network (#16).
      trustServerKeyOnFirstUse: !isPackaged,
      dataDir: defaultDataDir(),
      appVersion,
      platform: process.platform,
      defaultServerUrl: process.env.OUTPOST_SERVER_URL ?? DEFAULT_SERVER_URL,
      ...salePushWindowFromEnv(),
      // Electron's own binary runs the server as Node; a packaged app carries no server sources.
      ...(!isPackaged && existsSync(join(checkout, 'server', 'local-shop.ts'))
        ? { localShop: localShopLauncher(checkout, process.execPath, { ELECTRON_RUN_AS_NODE: '1' }) }
        : {}),
    }),
});
