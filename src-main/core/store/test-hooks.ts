import { afterAll, beforeAll } from 'vitest';
import { realKeychain, tempDir, type RealKeychain } from './test-support';

/**
 * A real keychain and a temporary directory for the file's tests, made before them and removed
 * after them (the set-up every store test wrote out).
 */
export function useKeychainAndDir(): {
  readonly keychain: RealKeychain;
  readonly dir: { path: string; remove(): void };
} {
  let keychain: RealKeychain | undefined;
  let dir: { path: string; remove(): void } | undefined;
  beforeAll(async () => {
    keychain = await realKeychain();
    dir = tempDir();
  });
  afterAll(async () => {
    dir?.remove();
    await keychain?.cleanup();
  });
  return {
    get keychain() {
      if (!keychain) throw new Error('the keychain is made in beforeAll');
      return keychain;
    },
    get dir() {
      if (!dir) throw new Error('the directory is made in beforeAll');
      return dir;
    },
  };
}
