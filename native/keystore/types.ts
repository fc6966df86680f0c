import { PrefixedCodedError } from '../../protocol/coded-error';

/**
 * Secrets that must never sit in a file next to the data they protect (database keys, the device
 * key) live in the OS keychain behind the terminal SDK's KeyStore interface, so a move to Electron's
 * safeStorage or @napi-rs/keyring only needs another implementation.
 */
export type { KeyStore } from '@outpost/terminal-sdk';

export type KeyStoreErrorCode = 'KEYCHAIN_UNAVAILABLE' | 'KEYCHAIN_CORRUPT';

export class KeyStoreError extends PrefixedCodedError<KeyStoreErrorCode> {
  override readonly name = 'KeyStoreError';
}

export function isKeyStoreError(err: unknown, code?: KeyStoreErrorCode): err is KeyStoreError {
  return err instanceof KeyStoreError && (code === undefined || err.code === code);
}
