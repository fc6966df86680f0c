import { randomBytes } from 'node:crypto';
import {
  Aes128Gcm,
  Aes256Gcm,
  CipherSuite,
  DecapError,
  DeserializeError,
  DhkemX25519HkdfSha256,
  EncapError,
  HkdfSha256,
  InvalidParamError,
  NotSupportedError,
  OpenError,
} from '@hpke/core';
import { describe, expect, it } from 'vitest';
import { HpkeOpenError, generateHpkeKeyPair, hpkeSuite, openWith, sealTo } from './index';
import { NodeAesGcm, NodeDhkemX25519HkdfSha256, NodeHkdfSha256 } from './node-primitives';

/**
 * node-primitives.ts against @hpke/core's WebCrypto primitives for our exact suite. The RFC 9180
 * known answers (AES-128-GCM) are in rfc9180.test.ts; here the two implementations must agree byte for
 * byte on AES-256-GCM, and everything malformed must reject rather than crash.
 */
const webSuite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
const hex = (b: ArrayBuffer | Uint8Array) =>
  Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

// RFC 7748 low-order points and their non-canonical encodings: X25519 with any of them is all zero.
const LOW_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Buffer.from(h, 'hex'));

describe('interop with @hpke/core WebCrypto, DHKEM(X25519)/HKDF-SHA256/AES-256-GCM', () => {
  const recipient = generateHpkeKeyPair();
  const publicBytes = Buffer.from(recipient.publicKey, 'base64url');
  const sizes = [0, 1, 15, 16, 17, 4096, 45 * 1024, 64 * 1024 + 1, 200_000];

  /** Seals with one suite to the recipient, opens with the other, and checks the plaintext came back. */
  async function across(
    sealer: CipherSuite,
    opener: CipherSuite,
    plaintext: Buffer,
    info: Buffer,
    aad: Buffer,
  ) {
    const sealed = await sealer.seal(
      { recipientPublicKey: await sealer.kem.deserializePublicKey(publicBytes), info },
      plaintext,
      aad,
    );
    const recipientKey = await opener.kem.deserializePrivateKey(recipient.privateKey);
    const opened = await opener.open({ recipientKey, enc: sealed.enc, info }, sealed.ct, aad);
    expect(Buffer.from(opened).equals(plaintext)).toBe(true);
    return sealed;
  }

  it.each(sizes)('%i-byte plaintext: web seals, node opens; node seals, web opens', async (size) => {
    const plaintext = randomBytes(size);
    const info = randomBytes(1 + (size % 40));
    const aad = randomBytes(size % 300);
    await across(webSuite, hpkeSuite, plaintext, info, aad);
    const nodeSealed = await across(hpkeSuite, webSuite, plaintext, info, aad);
    expect(nodeSealed.ct.byteLength).toBe(size + 16);
  });

  it('sealTo (node) opens with the web suite, and openWith opens what the web suite sealed', async () => {
    const plaintext = randomBytes(70_000);
    const params = { info: 'outpost/bundle/v1', aad: 'header' };
    const sealed = await sealTo(recipient.publicKey, plaintext, params);
    const webKey = await webSuite.kem.deserializePrivateKey(recipient.privateKey);
    const info = Buffer.from(params.info);
    const aad = Buffer.from(params.aad);
    const enc = Buffer.from(sealed.enc, 'base64url');
    const opened = await webSuite.open({ recipientKey: webKey, enc, info }, sealed.ciphertext, aad);
    expect(Buffer.from(opened).equals(plaintext)).toBe(true);

    const webSealed = await webSuite.seal(
      { recipientPublicKey: await webSuite.kem.deserializePublicKey(publicBytes), info },
      plaintext,
      aad,
    );
    const sealedByWeb = { enc: new Uint8Array(webSealed.enc), ciphertext: new Uint8Array(webSealed.ct) };
    expect(Buffer.from(await openWith(recipient.privateKey, sealedByWeb, params)).equals(plaintext)).toBe(
      true,
    );
  });

  it('takes WebCrypto CryptoKeys as well as its own keys', async () => {
    const info = Buffer.from('mixed');
    const webPublic = await webSuite.kem.deserializePublicKey(publicBytes);
    const sealed = await hpkeSuite.seal({ recipientPublicKey: webPublic, info }, Buffer.from('hi'));
    const webPrivate = await webSuite.kem.deserializePrivateKey(recipient.privateKey);
    const opened = await hpkeSuite.open({ recipientKey: webPrivate, enc: sealed.enc, info }, sealed.ct);
    expect(Buffer.from(opened).toString()).toBe('hi');
  });

  it('derives the same key pairs as @hpke/core from the same ikm', async () => {
    const nodeKem = new NodeDhkemX25519HkdfSha256();
    const webKem = new DhkemX25519HkdfSha256();
    for (const ikm of [
      new Uint8Array(0),
      randomBytes(16),
      randomBytes(32),
      randomBytes(64),
      randomBytes(8192),
    ]) {
      const ours = await nodeKem.deriveKeyPair(ikm);
      const theirs = await webKem.deriveKeyPair(ikm);
      expect(hex(await nodeKem.serializePrivateKey(ours.privateKey))).toBe(
        hex(await webKem.serializePrivateKey(theirs.privateKey)),
      );
      expect(hex(await nodeKem.serializePublicKey(ours.publicKey))).toBe(
        hex(await webKem.serializePublicKey(theirs.publicKey)),
      );
    }
    await expect(nodeKem.deriveKeyPair(new Uint8Array(8193))).rejects.toBeInstanceOf(InvalidParamError);
  });
});

describe('openWith failures', () => {
  const recipient = generateHpkeKeyPair();
  const params = { info: 'outpost/test/v1', aad: 'header' };

  it('rejects every tampering, wrong key, wrong info and malformed enc, never throwing synchronously', async () => {
    const sealed = await sealTo(recipient.publicKey, randomBytes(2000), params);
    const encBytes = Buffer.from(sealed.enc, 'base64url');
    const flipped = Uint8Array.from(sealed.ciphertext);
    flipped[100] = flipped[100]! ^ 1;
    const attempts: Array<
      [string, Uint8Array, Parameters<typeof openWith>[1], Parameters<typeof openWith>[2]]
    > = [
      ['tampered ciphertext', recipient.privateKey, { ...sealed, ciphertext: flipped }, params],
      ['tampered aad', recipient.privateKey, sealed, { ...params, aad: 'headex' }],
      ['missing aad', recipient.privateKey, sealed, { info: params.info }],
      ['wrong info', recipient.privateKey, sealed, { ...params, info: 'outpost/test/v2' }],
      ['wrong private key', generateHpkeKeyPair().privateKey, sealed, params],
      ['short private key', recipient.privateKey.subarray(1), sealed, params],
      ['31-byte enc', recipient.privateKey, { ...sealed, enc: encBytes.subarray(1) }, params],
      [
        '33-byte enc',
        recipient.privateKey,
        { ...sealed, enc: Buffer.concat([encBytes, Buffer.of(0)]) },
        params,
      ],
      ['empty ciphertext', recipient.privateKey, { ...sealed, ciphertext: new Uint8Array(0) }, params],
      ...LOW_ORDER_POINTS.map(
        (point): [string, Uint8Array, Parameters<typeof openWith>[1], Parameters<typeof openWith>[2]] => [
          `low-order enc ${point.subarray(0, 4).toString('hex')}`,
          recipient.privateKey,
          { ...sealed, enc: point },
          params,
        ],
      ),
    ];
    for (const [name, key, input, p] of attempts) {
      let pending: Promise<Uint8Array> | undefined;
      expect(() => {
        pending = openWith(key, input, p);
      }, name).not.toThrow();
      const error = await pending!.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (name === 'short private key') expect(error, name).toBeInstanceOf(TypeError);
      else expect(error, name).toBeInstanceOf(HpkeOpenError);
    }
    expect(await openWith(recipient.privateKey, sealed, params)).toHaveLength(2000);
  });
});

describe('NodeDhkemX25519HkdfSha256 errors, as @hpke/core types them', () => {
  const kem = new NodeDhkemX25519HkdfSha256();
  const recipient = generateHpkeKeyPair();

  it('a malformed enc is a DeserializeError, a low-order one a DecapError', async () => {
    const recipientKey = await kem.deserializePrivateKey(recipient.privateKey);
    for (const enc of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      await expect(kem.decap({ recipientKey, enc })).rejects.toBeInstanceOf(DeserializeError);
    }
    for (const enc of LOW_ORDER_POINTS) {
      await expect(kem.decap({ recipientKey, enc })).rejects.toBeInstanceOf(DecapError);
    }
    const suite = new CipherSuite({ kem, kdf: new NodeHkdfSha256(), aead: new NodeAesGcm() });
    await expect(
      suite.open({ recipientKey, enc: new Uint8Array(33) }, new Uint8Array(32)),
    ).rejects.toBeInstanceOf(DeserializeError);
  });

  it('sealing to a low-order public key is an EncapError', async () => {
    for (const point of LOW_ORDER_POINTS) {
      const recipientPublicKey = await kem.deserializePublicKey(point);
      await expect(kem.encap({ recipientPublicKey })).rejects.toBeInstanceOf(EncapError);
    }
  });

  it('refuses Auth mode rather than ignoring the sender key', async () => {
    const pair = await kem.generateKeyPair();
    await expect(
      kem.encap({ recipientPublicKey: pair.publicKey, senderKey: pair.privateKey }),
    ).rejects.toBeInstanceOf(NotSupportedError);
    await expect(
      kem.decap({ recipientKey: pair.privateKey, enc: new Uint8Array(32), senderPublicKey: pair.publicKey }),
    ).rejects.toBeInstanceOf(NotSupportedError);
  });

  it('round-trips keys through raw bytes and JWK, and refuses wrong ones', async () => {
    const raw = Buffer.from(recipient.publicKey, 'base64url');
    const publicKey = await kem.deserializePublicKey(raw);
    expect(hex(await kem.serializePublicKey(publicKey))).toBe(raw.toString('hex'));
    const privateKey = await kem.deserializePrivateKey(recipient.privateKey);
    expect(hex(await kem.serializePrivateKey(privateKey))).toBe(hex(recipient.privateKey));

    const d = Buffer.from(recipient.privateKey).toString('base64url');
    const fromJwk = await kem.importKey(
      'jwk',
      { kty: 'OKP', crv: 'X25519', x: recipient.publicKey, d },
      false,
    );
    expect(hex(await kem.serializePrivateKey(fromJwk))).toBe(hex(recipient.privateKey));
    const publicFromJwk = await kem.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: recipient.publicKey });
    expect(hex(await kem.serializePublicKey(publicFromJwk))).toBe(raw.toString('hex'));
    const rawImport = await kem.importKey('raw', new Uint8Array(raw).buffer);
    expect(hex(await kem.serializePublicKey(rawImport))).toBe(raw.toString('hex'));

    await expect(kem.deserializePublicKey(new Uint8Array(31))).rejects.toBeInstanceOf(DeserializeError);
    await expect(kem.deserializePrivateKey(new Uint8Array(33))).rejects.toBeInstanceOf(DeserializeError);
    await expect(
      kem.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: recipient.publicKey, d }, true),
    ).rejects.toBeInstanceOf(DeserializeError);
    await expect(
      kem.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: `${recipient.publicKey}A` }),
    ).rejects.toBeInstanceOf(DeserializeError);
    await expect(
      kem.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: recipient.publicKey }),
    ).rejects.toBeInstanceOf(DeserializeError);
  });
});

describe('NodeHkdfSha256 against @hpke/core HkdfSha256', () => {
  const suiteId = new TextEncoder().encode('HPKE\x00\x20\x00\x01\x00\x02');
  const ours = new NodeHkdfSha256();
  const theirs = new HkdfSha256();
  ours.init(suiteId);
  theirs.init(suiteId);

  it('extract, expand and extractAndExpand give the same bytes', async () => {
    for (const len of [1, 12, 16, 32, 33, 64, 100, 255 * 32]) {
      const salt = len % 2 ? new Uint8Array(0) : randomBytes(32);
      const ikm = randomBytes(len % 70);
      const info = randomBytes(len % 90);
      expect(hex(await ours.extract(salt, ikm))).toBe(hex(await theirs.extract(salt, ikm)));
      const prk = randomBytes(32);
      expect(hex(await ours.expand(prk, info, len))).toBe(hex(await theirs.expand(prk, info, len)));
      expect(hex(await ours.extractAndExpand(salt, ikm, info, len))).toBe(
        hex(await theirs.extractAndExpand(salt, ikm, info, len)),
      );
      const label = new TextEncoder().encode('key');
      expect(hex(await ours.labeledExpand(prk, label, info, len))).toBe(
        hex(await theirs.labeledExpand(prk, label, info, len)),
      );
    }
  });

  it('refuses what @hpke/core refuses: a salt of the wrong length, more than 255 blocks', async () => {
    await expect(ours.extract(randomBytes(16), randomBytes(8))).rejects.toBeInstanceOf(InvalidParamError);
    await expect(theirs.extract(randomBytes(16), randomBytes(8))).rejects.toBeInstanceOf(InvalidParamError);
    await expect(ours.expand(randomBytes(32), new Uint8Array(0), 255 * 32 + 1)).rejects.toThrow(/Entropy/);
  });
});

describe('NodeAesGcm against @hpke/core Aes128Gcm/Aes256Gcm', () => {
  it.each([
    [16, new Aes128Gcm()],
    [32, new Aes256Gcm()],
  ] as const)('%i-byte keys: same ciphertext, and a bad tag rejects', async (keySize, reference) => {
    const ours = new NodeAesGcm(keySize);
    expect([ours.id, ours.keySize, ours.nonceSize, ours.tagSize]).toEqual([
      reference.id,
      reference.keySize,
      reference.nonceSize,
      reference.tagSize,
    ]);
    const key = randomBytes(keySize);
    const iv = randomBytes(12);
    const aad = randomBytes(20);
    const data = randomBytes(5000);
    // @hpke/core zeroes its copy of the key after import, so each side gets its own.
    const sealed = await ours.createEncryptionContext(Buffer.from(key)).seal(iv, data, aad);
    const expected = await reference.createEncryptionContext(Uint8Array.from(key).buffer).seal(iv, data, aad);
    expect(hex(sealed)).toBe(hex(expected));

    const context = ours.createEncryptionContext(key);
    expect(Buffer.from(await context.open(iv, sealed, aad)).equals(data)).toBe(true);
    const tampered = new Uint8Array(sealed);
    tampered[tampered.length - 1]! ^= 1;
    await expect(context.open(iv, tampered, aad)).rejects.toThrow();
    await expect(context.open(iv, new Uint8Array(15), aad)).rejects.toThrow(/shorter than the tag/);
    expect(() => ours.createEncryptionContext(randomBytes(24))).toThrow(InvalidParamError);
  });

  it('a bad tag surfaces from the suite as OpenError', async () => {
    const recipient = generateHpkeKeyPair();
    const info = Buffer.from('x');
    const sealed = await hpkeSuite.seal(
      {
        recipientPublicKey: await hpkeSuite.kem.deserializePublicKey(
          Buffer.from(recipient.publicKey, 'base64url'),
        ),
        info,
      },
      randomBytes(100),
    );
    const ct = new Uint8Array(sealed.ct);
    ct[0]! ^= 1;
    const recipientKey = await hpkeSuite.kem.deserializePrivateKey(recipient.privateKey);
    await expect(hpkeSuite.open({ recipientKey, enc: sealed.enc, info }, ct)).rejects.toBeInstanceOf(
      OpenError,
    );
  });
});
