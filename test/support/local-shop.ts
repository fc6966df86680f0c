import { resolve } from 'node:path';
import type { KeyStore } from '../../native/keystore';
import { createCore, localShopLauncher, type Core } from '../../src-main/core';

/** This checkout: the local shop's server is started from its `server/local-shop.ts`. */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A real app core that can run a local shop from this checkout, over `dataDir` and the real keychain
 * service of `keyStore`, no server configured (the shop's address becomes its server). `extra`
 * adds or overrides options (a launcher that cannot start, no sync timer).
 */
export function localShopCore(
  dataDir: string,
  keyStore: KeyStore,
  extra: Partial<Parameters<typeof createCore>[0]> = {},
): Promise<Core> {
  return createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore,
    reachabilityIntervalMs: 60_000,
    localShop: localShopLauncher(ROOT),
    ...extra,
  });
}
