/**
 * Shared by the store's tests and bench: a real Secret Service (started privately when the
 * process has no session bus), a keychain service name unique to the run, and temp directories.
 * Everything written is removed by cleanup().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ensureSecretService, KeytarKeyStore, type KeyStore } from '../../../native/index';
import { KeychainKeyProvider } from './key';

/** Remembers every account it wrote, so a test run leaves nothing in the keychain. */
export class TrackingKeyStore implements KeyStore {
  readonly accounts = new Set<string>();
  constructor(readonly inner: KeyStore) {}
  get(account: string) {
    return this.inner.get(account);
  }
  async set(account: string, secret: Buffer) {
    this.accounts.add(account);
    await this.inner.set(account, secret);
  }
  delete(account: string) {
    return this.inner.delete(account);
  }
}

export interface RealKeychain {
  readonly service: string;
  readonly keyStore: TrackingKeyStore;
  readonly keys: KeychainKeyProvider;
  cleanup(): Promise<void>;
}

export async function realKeychain(service = `outpost-test-${randomUUID()}`): Promise<RealKeychain> {
  const session = await ensureSecretService();
  const keyStore = new TrackingKeyStore(new KeytarKeyStore({ service }));
  return {
    service,
    keyStore,
    keys: new KeychainKeyProvider(keyStore),
    async cleanup() {
      for (const account of keyStore.accounts) await keyStore.delete(account).catch(() => false);
      await session.stop();
    },
  };
}

export function tempDir(prefix = 'outpost-store-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
