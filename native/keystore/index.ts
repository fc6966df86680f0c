export { KeyStoreError, isKeyStoreError, type KeyStore, type KeyStoreErrorCode } from './types';
export { KeytarKeyStore, type KeytarKeyStoreOptions } from './keytar';
export { ensureSecretService, type SecretServiceSession } from './secret-service-session';
