import { randomBytes } from 'node:crypto';
import type { KeyStore } from '../../../native/index';

/** 256-bit raw page key, used as is by the cipher (no passphrase KDF). */
export const DATABASE_KEY_BYTES = 32;

/**
 * Where database keys come from. The storage asks for keys only through this interface, so the
 * rules that keep a key from being lost (persist before use, two slots during a rekey) live here.
 */
export interface StoreKeyProvider {
  /** Key for a file about to be created; it must be durably stored before this resolves. */
  keyForNewDatabase(databaseName: string): Promise<Buffer>;
  /**
   * Keys for an existing file: `current`, then `next` when a rekey was interrupted after the new
   * key was staged. Both null means the key is gone.
   */
  keysForExistingDatabase(databaseName: string): Promise<{ current: Buffer | null; next: Buffer | null }>;
  /** Rekey step 1: remember the new key next to the current one, before any page is rewritten. */
  stageNextKey(databaseName: string, key: Buffer): Promise<void>;
  /** Rekey step 3 (or recovery): the file is now under `key`; make it current and drop the slot. */
  promoteNextKey(databaseName: string, key: Buffer): Promise<void>;
  /** Recovery: the file is still under the current key, so a staged key is obsolete. */
  discardNextKey(databaseName: string): Promise<void>;
}

export interface KeychainKeyProviderOptions {
  /** Account prefix in the keychain; the account is `<prefix><databaseName>`. */
  accountPrefix?: string;
}

export function generateDatabaseKey(): Buffer {
  return randomBytes(DATABASE_KEY_BYTES);
}

/** Database keys kept in the OS keychain through a KeyStore (account `db-key:<name>`). */
export class KeychainKeyProvider implements StoreKeyProvider {
  private readonly prefix: string;

  constructor(
    private readonly keyStore: KeyStore,
    options: KeychainKeyProviderOptions = {},
  ) {
    this.prefix = options.accountPrefix ?? 'db-key:';
  }

  currentAccount(databaseName: string): string {
    return `${this.prefix}${databaseName}`;
  }

  nextAccount(databaseName: string): string {
    return `${this.prefix}${databaseName}:next`;
  }

  async keyForNewDatabase(databaseName: string): Promise<Buffer> {
    const account = this.currentAccount(databaseName);
    const existing = await this.keyStore.get(account);
    if (existing && existing.length === DATABASE_KEY_BYTES) return existing;
    const key = generateDatabaseKey();
    await this.keyStore.set(account, key);
    // Read back: a keychain that silently drops writes must fail here, before data depends on it.
    const stored = await this.keyStore.get(account);
    if (!stored?.equals(key)) throw new Error(`keychain did not keep the key for ${databaseName}`);
    return key;
  }

  async keysForExistingDatabase(databaseName: string) {
    const [current, next] = await Promise.all([
      this.keyStore.get(this.currentAccount(databaseName)),
      this.keyStore.get(this.nextAccount(databaseName)),
    ]);
    return { current, next };
  }

  async stageNextKey(databaseName: string, key: Buffer): Promise<void> {
    const account = this.nextAccount(databaseName);
    await this.keyStore.set(account, key);
    const stored = await this.keyStore.get(account);
    if (!stored?.equals(key)) throw new Error(`keychain did not keep the staged key for ${databaseName}`);
  }

  async promoteNextKey(databaseName: string, key: Buffer): Promise<void> {
    await this.keyStore.set(this.currentAccount(databaseName), key);
    await this.keyStore.delete(this.nextAccount(databaseName));
  }

  async discardNextKey(databaseName: string): Promise<void> {
    await this.keyStore.delete(this.nextAccount(databaseName));
  }
}
