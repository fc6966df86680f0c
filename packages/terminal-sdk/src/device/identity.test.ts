import { createPublicKey, randomUUID, sign, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../../../native/keystore';
import { IDENTITY_ACCOUNTS, loadOrCreateIdentity } from './identity';

let session: SecretServiceSession;
beforeAll(async () => {
  session = await ensureSecretService();
});
afterAll(async () => {
  await session.stop();
});

/** A keychain service of its own per test, in the real Secret Service. */
function freshKeyStore() {
  return new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` });
}

describe('device identity', () => {
  it('is created once, kept in the OS keychain, and the same on every start', async () => {
    const keyStore = freshKeyStore();
    const first = await loadOrCreateIdentity(keyStore);
    const again = await loadOrCreateIdentity(keyStore);
    expect(first.deviceId).toMatch(/^OP-[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(again.deviceId).toBe(first.deviceId);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.signingPublicKeyPem).toBe(first.signingPublicKeyPem);
    expect(again.agreementPublicKey).toBe(first.agreementPublicKey);
    expect(await keyStore.get(IDENTITY_ACCOUNTS.signing)).not.toBeNull();
    expect(await keyStore.get(IDENTITY_ACCOUNTS.agreement)).not.toBeNull();
  });

  it('signs with a key whose public half it publishes', async () => {
    const identity = await loadOrCreateIdentity(freshKeyStore());
    const message = Buffer.from('sale 42');
    const signature = sign(null, message, identity.signingKey);
    expect(verify(null, message, createPublicKey(identity.signingPublicKeyPem), signature)).toBe(true);
    expect(Buffer.from(identity.agreementPublicKey, 'base64url')).toHaveLength(32);
  });

  it('gives two keychains two different identities', async () => {
    const a = await loadOrCreateIdentity(freshKeyStore());
    const b = await loadOrCreateIdentity(freshKeyStore());
    expect(a.deviceId).not.toBe(b.deviceId);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  it('refuses a keychain entry that is not an Ed25519 key instead of replacing it', async () => {
    const keyStore = freshKeyStore();
    await keyStore.set(IDENTITY_ACCOUNTS.signing, Buffer.from('not a key'));
    await expect(loadOrCreateIdentity(keyStore)).rejects.toThrow();
    expect((await keyStore.get(IDENTITY_ACCOUNTS.signing))?.toString()).toBe('not a key');
  });
});
