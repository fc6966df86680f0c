import { createHmac, randomBytes } from 'node:crypto';
import type { KeyStore } from '../../keystore/types';

export const CARD_TOKEN_KEY_ACCOUNT = 'card-token-key';
const KEY_BYTES = 32;

/**
 * Card tokens are HMAC-SHA256(PAN) under a per-terminal key kept in the OS keychain: the same card
 * gives the same token on this terminal (repeat-customer and duplicate checks), and a token cannot
 * be reversed or matched across terminals without the key.
 */
export class CardTokenizer {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly keyStore: KeyStore) {}

  /** `pan` is ASCII digits; the caller zeroes it. */
  async token(pan: Uint8Array): Promise<string> {
    const key = await this.loadKey();
    return createHmac('sha256', key).update(pan).digest('base64url');
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= this.readOrCreate().catch((err: unknown) => {
      // A failed read must not stick: the keychain may be unlocked on the next swipe.
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private async readOrCreate(): Promise<Buffer> {
    const existing = await this.keyStore.get(CARD_TOKEN_KEY_ACCOUNT);
    if (existing) {
      if (existing.length !== KEY_BYTES)
        throw new Error(`${CARD_TOKEN_KEY_ACCOUNT} is not ${KEY_BYTES} bytes`);
      return existing;
    }
    const created = randomBytes(KEY_BYTES);
    await this.keyStore.set(CARD_TOKEN_KEY_ACCOUNT, created);
    // Read back what the keychain holds, so a concurrent first use on another process cannot leave
    // this one tokenizing under a key that lost the race.
    const stored = await this.keyStore.get(CARD_TOKEN_KEY_ACCOUNT);
    if (!stored || stored.length !== KEY_BYTES) throw new Error(`${CARD_TOKEN_KEY_ACCOUNT} was not stored`);
    return stored;
  }
}
