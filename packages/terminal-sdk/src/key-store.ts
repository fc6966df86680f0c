/**
 * Where a terminal keeps its private keys: the caller supplies it (the app: the OS keychain through
 * keytar; a phone: its secure enclave's store; the example terminal: memory). Never a file beside
 * the data the keys protect.
 */
export interface KeyStore {
  /** The secret stored for `account`, or null when there is none. */
  get(account: string): Promise<Buffer | null>;
  set(account: string, secret: Buffer): Promise<void>;
  /** True when a secret was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
}

/**
 * Keys in process memory: nothing survives a restart and nothing is protected. For demonstrations
 * and tests of logic; a real terminal passes its platform's keychain.
 */
export class MemoryKeyStore implements KeyStore {
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
