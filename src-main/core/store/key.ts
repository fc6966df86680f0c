import { randomBytes } from 'node:crypto';
import type { KeyStore } from '../../../native/index';
import { StoreError } from './errors';

/** 256-bit raw page key, used as is by the cipher (no passphrase KDF). */
export const DATABASE_KEY_BYTES = 32;

/** SQLite3MultipleCiphers page ciphers this store opens. */
const PAGE_CIPHERS = ['aegis', 'chacha20'] as const;
export type PageCipher = (typeof PAGE_CIPHERS)[number];

/**
 * New files and every rekey use AEGIS-256: authenticated like ChaCha20-Poly1305 but on the CPU's
 * AES instructions, so a cold read of a page costs about what an unencrypted one does (measured in
 * docs/store.md: 100,000-row scan after reopen 38 ms vs 33 ms plain, 97 ms under chacha20).
 */
export const PAGE_CIPHER: PageCipher = 'aegis';

/** A file's key and the cipher the file was written with; the keychain keeps them together. */
export interface DatabaseKey {
  readonly cipher: PageCipher;
  readonly bytes: Buffer;
}

/**
 * Checked by hand rather than with zod: it is read on every start, inside the first open's 50 ms,
 * where zod's first parse of a schema costs ~1.6 ms in a fresh process (measured) for two fields.
 */
function parseKeychainEntry(text: string): DatabaseKey | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { cipher, key, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  const known = PAGE_CIPHERS.find((name) => name === cipher);
  if (known === undefined) return null;
  if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) return null;
  return { cipher: known, bytes: Buffer.from(key, 'hex') };
}

/** The keychain form: JSON naming the cipher, the key in hex. */
export function encodeDatabaseKey(key: DatabaseKey): Buffer {
  return Buffer.from(JSON.stringify({ cipher: key.cipher, key: key.bytes.toString('hex') }), 'utf8');
}

/**
 * Reads a keychain entry. 32 bare bytes are the entries written before the cipher was recorded,
 * when every file was chacha20. Anything else unreadable is STORE_KEY_CORRUPT: the file is not
 * opened, as with a missing key.
 */
export function decodeDatabaseKey(entry: Buffer, account: string): DatabaseKey {
  if (entry.length === DATABASE_KEY_BYTES) return { cipher: 'chacha20', bytes: entry };
  const key = parseKeychainEntry(entry.toString('utf8'));
  if (!key) throw new StoreError('STORE_KEY_CORRUPT', `the keychain entry ${account} is not a database key`);
  return key;
}

export function sameKey(a: DatabaseKey, b: DatabaseKey): boolean {
  return a.cipher === b.cipher && a.bytes.equals(b.bytes);
}

/**
 * Where database keys come from. The storage asks for keys only through this interface, so the
 * rules that keep a key from being lost (persist before use, two slots during a rekey) live here.
 */
export interface StoreKeyProvider {
  /** Key for a file about to be created; it must be durably stored before this resolves. */
  keyForNewDatabase(databaseName: string): Promise<DatabaseKey>;
  /**
   * Keys for an existing file: `current`, then `next` when a rekey was interrupted after the new
   * key was staged. Both null means the key is gone.
   */
  keysForExistingDatabase(
    databaseName: string,
  ): Promise<{ current: DatabaseKey | null; next: DatabaseKey | null }>;
  /** Rekey step 1: remember the new key next to the current one, before any page is rewritten. */
  stageNextKey(databaseName: string, key: DatabaseKey): Promise<void>;
  /** Rekey step 3 (or recovery): the file is now under `key`; make it current and drop the slot. */
  promoteNextKey(databaseName: string, key: DatabaseKey): Promise<void>;
  /** Recovery: the file is still under the current key, so a staged key is obsolete. */
  discardNextKey(databaseName: string): Promise<void>;
}

export interface KeychainKeyProviderOptions {
  /** Account prefix in the keychain; the account is `<prefix><databaseName>`. */
  accountPrefix?: string;
}

export function generateDatabaseKey(cipher: PageCipher = PAGE_CIPHER): DatabaseKey {
  return { cipher, bytes: randomBytes(DATABASE_KEY_BYTES) };
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

  /**
   * An entry already there is reused, never overwritten: a key is dropped only by a rekey that
   * proved the file no longer needs it (a file moved away and back must still open).
   */
  async keyForNewDatabase(databaseName: string): Promise<DatabaseKey> {
    const account = this.currentAccount(databaseName);
    const existing = await this.read(account);
    if (existing) return existing;
    const key = generateDatabaseKey();
    await this.writeAndCheck(account, key);
    return key;
  }

  async keysForExistingDatabase(databaseName: string) {
    const [current, next] = await Promise.all([
      this.read(this.currentAccount(databaseName)),
      this.read(this.nextAccount(databaseName)),
    ]);
    return { current, next };
  }

  async stageNextKey(databaseName: string, key: DatabaseKey): Promise<void> {
    await this.writeAndCheck(this.nextAccount(databaseName), key);
  }

  async promoteNextKey(databaseName: string, key: DatabaseKey): Promise<void> {
    await this.keyStore.set(this.currentAccount(databaseName), encodeDatabaseKey(key));
    await this.keyStore.delete(this.nextAccount(databaseName));
  }

  async discardNextKey(databaseName: string): Promise<void> {
    await this.keyStore.delete(this.nextAccount(databaseName));
  }

  private async read(account: string): Promise<DatabaseKey | null> {
    const entry = await this.keyStore.get(account);
    return entry ? decodeDatabaseKey(entry, account) : null;
  }

  /** Read back: a keychain that silently drops writes must fail here, before data depends on it. */
  private async writeAndCheck(account: string, key: DatabaseKey): Promise<void> {
    await this.keyStore.set(account, encodeDatabaseKey(key));
    const stored = await this.read(account);
    if (!stored || !sameKey(stored, key)) throw new Error(`keychain did not keep the key ${account}`);
  }
}
