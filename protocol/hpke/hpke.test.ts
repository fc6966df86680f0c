import { describe, expect, it } from 'vitest';
import {
  HpkeOpenError,
  beginSeal,
  exportHpkePrivateKey,
  generateHpkeKeyPair,
  importHpkePrivateKey,
  openWith,
  sealTo,
} from './index';

describe('sealTo / openWith', () => {
  const recipient = generateHpkeKeyPair();
  const params = { info: 'outpost/test/v1', aad: 'header' };
  const message = new TextEncoder().encode('a sale worth 1500 XOF');

  it('generates raw 32-byte keys and round-trips the private key through bytes', () => {
    expect(recipient.privateKey).toHaveLength(32);
    expect(Buffer.from(recipient.publicKey, 'base64url')).toHaveLength(32);
    const restored = importHpkePrivateKey(exportHpkePrivateKey(recipient));
    expect(restored.publicKey).toBe(recipient.publicKey);
    expect(() => importHpkePrivateKey(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('round-trips, with a fresh enc every time', async () => {
    const a = await sealTo(recipient.publicKey, message, params);
    const b = await sealTo(recipient.publicKey, message, params);
    expect(a.enc).not.toBe(b.enc);
    expect(a.ciphertext).toHaveLength(message.length + 16);
    expect(Buffer.from(await openWith(recipient.privateKey, a, params)).toString()).toBe(
      'a sale worth 1500 XOF',
    );
    expect(await openWith(recipient.privateKey, b, params)).toEqual(message);
  });

  it('round-trips an empty plaintext and an absent aad', async () => {
    const sealed = await sealTo(recipient.publicKey, new Uint8Array(0), { info: 'x' });
    expect(await openWith(recipient.privateKey, sealed, { info: 'x' })).toHaveLength(0);
  });

  it('fails with HPKE_OPEN_FAILED on every kind of tampering', async () => {
    const sealed = await sealTo(recipient.publicKey, message, params);
    const flipped = Uint8Array.from(sealed.ciphertext);
    flipped[3] = flipped[3]! ^ 1;
    const tag = Uint8Array.from(sealed.ciphertext);
    tag[tag.length - 1] = tag[tag.length - 1]! ^ 0x80;
    const otherEnc = (await sealTo(recipient.publicKey, message, params)).enc;
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['ciphertext byte', () => openWith(recipient.privateKey, { ...sealed, ciphertext: flipped }, params)],
      ['tag byte', () => openWith(recipient.privateKey, { ...sealed, ciphertext: tag }, params)],
      [
        'truncated',
        () =>
          openWith(recipient.privateKey, { ...sealed, ciphertext: sealed.ciphertext.slice(0, -1) }, params),
      ],
      ['other enc', () => openWith(recipient.privateKey, { ...sealed, enc: otherEnc }, params)],
      ['garbage enc', () => openWith(recipient.privateKey, { ...sealed, enc: 'not-base64url!' }, params)],
      ['short enc', () => openWith(recipient.privateKey, { ...sealed, enc: 'AAAA' }, params)],
      [
        'all-zero enc (low order point)',
        () => openWith(recipient.privateKey, { ...sealed, enc: 'A'.repeat(43) }, params),
      ],
      ['info', () => openWith(recipient.privateKey, sealed, { ...params, info: 'outpost/test/v2' })],
      ['aad', () => openWith(recipient.privateKey, sealed, { ...params, aad: 'header!' })],
      ['missing aad', () => openWith(recipient.privateKey, sealed, { info: params.info })],
      ['wrong key', () => openWith(generateHpkeKeyPair().privateKey, sealed, params)],
    ];
    for (const [label, attempt] of cases) {
      await expect(attempt(), label).rejects.toBeInstanceOf(HpkeOpenError);
      await expect(attempt(), label).rejects.toMatchObject({ code: 'HPKE_OPEN_FAILED' });
    }
  });

  it('refuses malformed recipient keys before sealing and seals only once per context', async () => {
    await expect(sealTo('short', message, params)).rejects.toThrow(/32 bytes/);
    // 43 chars whose last one carries bits past the 256th: a second spelling of a key, refused.
    await expect(sealTo('A'.repeat(42) + 'B', message, params)).rejects.toThrow(/32 bytes/);
    const sealer = await beginSeal(recipient.publicKey, 'x');
    await sealer.seal(message);
    await expect(sealer.seal(message)).rejects.toThrow(/one message/);
  });
});
