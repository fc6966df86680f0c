import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KeyStore } from '../../native/keystore';

export interface CoreConfig {
  /** Where the app keeps its files; never holds secrets in clear (keys live in the OS keychain). */
  dataDir: string;
  appVersion: string;
  platform: string;
  defaultServerUrl: string;
  /** How often the server's liveness is probed while it answers; failures back off from here. */
  reachabilityIntervalMs?: number;
  /** The longest wait between probes while the server answers (60 s; net/reachability.ts). */
  reachabilityIdleMaxMs?: number;
  /**
   * How long sales recorded while online wait to travel together in one push (ms; 3,000 by default,
   * 0: a push after every sale). `OUTPOST_SALE_PUSH_WINDOW_MS` in the shell and browser host.
   */
  salePushWindowMs?: number;
  /** Where private keys live; the OS keychain unless a test or another platform says otherwise. */
  keyStore?: KeyStore;
  /**
   * The system clock (epoch ms) the reader's secure clock reads; Date.now by default. The browser
   * host lets the e2e tests move it (OUTPOST_CLOCK_OFFSET_FILE), as a user may move the OS clock.
   */
  clock?: () => number;
  /** Where IT's provisioning file is looked for and which organisation keys are trusted (tests). */
  provisioning?: { env?: NodeJS.ProcessEnv; orgKeys?: readonly string[] };
  /**
   * Whether a laptop may pin the server signing key the server's (unauthenticated) answer names
   * when the build pins none. Development and tests only: the Electron shell passes false when
   * app.isPackaged, so a packaged laptop takes the key only from its build (issue #16).
   */
  trustServerKeyOnFirstUse?: boolean;
  /** The server signing key to treat as the build's pinned one (tests); default deploy/pinned-keys.ts. */
  serverSigningKeyPem?: string | null;
  /**
   * How to run the local shop's server (issue #19, `server/local-shop.ts`); absent: this app offers
   * no local shop (tests of other features, a build without the server). See `localShopLauncher`.
   */
  localShop?: LocalShopLauncher;
}

export interface LocalShopLauncher {
  /** The program and its arguments that run `server/local-shop.ts` (Node with the tsx loader). */
  command: string;
  args: readonly string[];
  cwd: string;
  /** Added to the environment (ELECTRON_RUN_AS_NODE when Electron's binary is the Node). */
  env?: Readonly<Record<string, string>>;
  /** The sample catalog a new shop starts with (docs/examples/catalog.csv). */
  sampleCatalogFile: string;
}

/** The launcher of a source checkout at `root`: `node --import tsx server/local-shop.ts`. */
export function localShopLauncher(
  root: string,
  node = process.execPath,
  env?: Readonly<Record<string, string>>,
): LocalShopLauncher {
  return {
    command: node,
    args: ['--import', 'tsx', join(root, 'server', 'local-shop.ts')],
    cwd: root,
    ...(env ? { env } : {}),
    sampleCatalogFile: join(root, 'docs', 'examples', 'catalog.csv'),
  };
}

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8098';

/** `OUTPOST_SALE_PUSH_WINDOW_MS` as a CoreConfig part; unset or not a whole number ≥ 0: the default. */
export function salePushWindowFromEnv(env: NodeJS.ProcessEnv = process.env): { salePushWindowMs?: number } {
  const text = env.OUTPOST_SALE_PUSH_WINDOW_MS;
  if (text === undefined || !/^[0-9]{1,7}$/.test(text)) return {};
  return { salePushWindowMs: Number(text) };
}

/** The per-user data directory the OS conventions expect, overridable with OUTPOST_DATA_DIR. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.OUTPOST_DATA_DIR) return env.OUTPOST_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Outpost');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Outpost');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'outpost');
}
