export { KeyStoreError, isKeyStoreError, type KeyStore, type KeyStoreErrorCode } from './types';
export { KeytarKeyStore, type KeytarKeyStoreOptions } from './keytar';
export { InMemoryKeyStoreForTests } from './memory';
export { ensureSecretService, type SecretServiceSession } from './secret-service-session';
