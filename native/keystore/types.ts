import { PrefixedCodedError } from '../../protocol/coded-error';

/**
 * Secrets that must never sit in a file next to the data they protect (database keys, later the
 * device key) live in the OS keychain behind this interface, so a move to Electron's safeStorage or
 * @napi-rs/keyring only needs another implementation.
 */
export interface KeyStore {
  /** The secret stored for `account`, or null when there is none. */
  get(account: string): Promise<Buffer | null>;
  set(account: string, secret: Buffer): Promise<void>;
  /** True when a secret was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
}

export type KeyStoreErrorCode = 'KEYCHAIN_UNAVAILABLE' | 'KEYCHAIN_CORRUPT';

export class KeyStoreError extends PrefixedCodedError<KeyStoreErrorCode> {
  override readonly name = 'KeyStoreError';
}

export function isKeyStoreError(err: unknown, code?: KeyStoreErrorCode): err is KeyStoreError {
  return err instanceof KeyStoreError && (code === undefined || err.code === code);
}
