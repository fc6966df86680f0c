import type * as KeytarModule from 'keytar';
import { KeyStoreError, type KeyStore } from './types';

type Keytar = typeof KeytarModule;

export interface KeytarKeyStoreOptions {
  /** Service name under which every account is filed in the keychain. */
  service?: string;
}

// keytar is a native addon: loading it lazily turns a missing build into KEYCHAIN_UNAVAILABLE
// instead of a crash at import time of everything that depends on the store.
let keytarModule: Promise<Keytar> | undefined;
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('keytar').then((m) => ('default' in m ? (m.default as Keytar) : m));
  return keytarModule;
}

function unavailable(operation: string, cause: unknown): KeyStoreError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new KeyStoreError(
    'KEYCHAIN_UNAVAILABLE',
    `OS keychain ${operation} failed (is a Secret Service running and unlocked?): ${detail}`,
    { cause },
  );
}

/** Values are stored base64 because keychains store text, and our secrets are raw bytes. */
export class KeytarKeyStore implements KeyStore {
  readonly service: string;

  constructor(options: KeytarKeyStoreOptions = {}) {
    this.service = options.service ?? 'outpost';
  }

  async get(account: string): Promise<Buffer | null> {
    let value: string | null;
    try {
      value = await (await loadKeytar()).getPassword(this.service, account);
    } catch (err) {
      throw unavailable('read', err);
    }
    if (value === null) return null;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      throw new KeyStoreError('KEYCHAIN_CORRUPT', `entry ${this.service}/${account} is not base64`);
    }
    return Buffer.from(value, 'base64');
  }

  async set(account: string, secret: Buffer): Promise<void> {
    try {
      await (await loadKeytar()).setPassword(this.service, account, secret.toString('base64'));
    } catch (err) {
      throw unavailable('write', err);
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await (await loadKeytar()).deletePassword(this.service, account);
    } catch (err) {
      throw unavailable('delete', err);
    }
  }
}
