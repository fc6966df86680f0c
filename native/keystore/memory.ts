import type { KeyStore } from './types';

/**
 * FOR UNIT TESTS OF LOGIC ONLY. Keeps secrets in process memory, so nothing survives a restart and
 * nothing is protected. Tests of real key handling use KeytarKeyStore against a Secret Service.
 */
export class InMemoryKeyStoreForTests implements KeyStore {
  private readonly secrets = new Map<string, Buffer>();

  async get(account: string): Promise<Buffer | null> {
    const secret = this.secrets.get(account);
    return secret ? Buffer.from(secret) : null;
  }

  async set(account: string, secret: Buffer): Promise<void> {
    this.secrets.set(account, Buffer.from(secret));
  }

  async delete(account: string): Promise<boolean> {
    return this.secrets.delete(account);
  }
}
