import {
  KeyObject,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  type JsonWebKey,
  type webcrypto,
} from 'node:crypto';
import {
  AeadId,
  DecapError,
  DeriveKeyPairError,
  DeserializeError,
  EncapError,
  HkdfSha256,
  InvalidParamError,
  KemId,
  NotSupportedError,
  SerializeError,
  type AeadEncryptionContext,
  type AeadInterface,
  type KemInterface,
  type RecipientContextParams,
  type SenderContextParams,
} from '@hpke/core';
import { rawOkpPrivate, rawOkpPublic } from '../crypto/okp-raw';

/**
 * RFC 9180 primitives on node:crypto's synchronous calls, plugged into @hpke/core's CipherSuite, which
 * keeps the key schedule, contexts, sequence numbers and nonces. @hpke/core's own primitives go through
 * WebCrypto, about twenty async jobs per open; with these, opening a 45 KB bundle measured ~0.11 ms
 * against ~0.8 ms.
 */

type Input = ArrayBufferLike | ArrayBufferView;

function view(input: Input): Uint8Array {
  return ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
}

/** The interfaces promise ArrayBuffers; a Buffer may be a slice of node's shared pool, so copy out. */
function arrayBuffer(...parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

function hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
}

/** The KEM interface reports each failure as its own @hpke/core error class, with the cause. */
function rethrowAs<T>(HpkeErrorClass: new (cause: unknown) => Error, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw new HpkeErrorClass(e);
  }
}

const HASH_SIZE = 32;
const ZERO_SALT = new Uint8Array(HASH_SIZE);

/**
 * HKDF-SHA256 (RFC 5869). Subclassing @hpke/core's class keeps its labelled helpers (buildLabeledIkm,
 * labeledExtract, labeledExpand), which reach HMAC only through the three methods replaced here.
 */
export class NodeHkdfSha256 extends HkdfSha256 {
  override async extract(salt: Input, ikm: Input): Promise<ArrayBuffer> {
    const saltBytes = salt.byteLength === 0 ? ZERO_SALT : view(salt);
    // Same refusal as @hpke/core's extract, so swapping the class changes no behaviour.
    if (saltBytes.byteLength !== HASH_SIZE) {
      throw new InvalidParamError('The salt length must be the same as the hashSize');
    }
    return arrayBuffer(hmacSha256(saltBytes, view(ikm)));
  }

  override async expand(prk: Input, info: Input, len: number): Promise<ArrayBuffer> {
    return arrayBuffer(expandSync(view(prk), view(info), len));
  }

  override async extractAndExpand(salt: Input, ikm: Input, info: Input, len: number): Promise<ArrayBuffer> {
    // An empty salt is HashLen zero bytes (RFC 5869 §2.2), which HMAC pads to the same key.
    const prk = hmacSha256(view(salt), view(ikm));
    return arrayBuffer(expandSync(prk, view(info), len));
  }
}

function expandSync(prk: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  if (len > 255 * HASH_SIZE) throw new Error('Entropy limit reached');
  const okm = new Uint8Array(len);
  let block: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < len; i++) {
    block = hmacSha256(prk, block, info, Uint8Array.of(i));
    okm.set(block.subarray(0, len - filled), filled);
    filled += block.byteLength;
  }
  return okm;
}

const X25519_BYTES = 32;
const INPUT_LENGTH_LIMIT = 8192; // @hpke/core's limit on ikm, psk and info-like inputs
const LABEL_EAE_PRK = new TextEncoder().encode('eae_prk');
const LABEL_SHARED_SECRET = new TextEncoder().encode('shared_secret');
const LABEL_DKP_PRK = new TextEncoder().encode('dkp_prk');
const LABEL_SK = new TextEncoder().encode('sk');
/** node's JWK import decodes base64 leniently; a key field must be exactly 32 bytes of base64url. */
const JWK_KEY_FIELD = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The interfaces speak WebCrypto's CryptoKey, but Node 20 cannot turn a KeyObject into one (no
 * KeyObject.toCryptoKey) and going through crypto.subtle is the cost being removed. Keys handed out
 * are KeyObjects cast to CryptoKey; @hpke/core never looks inside them, it only passes them back here.
 * Real CryptoKeys (e.g. from @hpke/core's own KEM) are accepted too.
 */
type HpkeKey = webcrypto.CryptoKey;
type HpkeKeyPair = webcrypto.CryptoKeyPair;

function asHpkeKey(key: KeyObject): HpkeKey {
  return key as unknown as HpkeKey;
}

function keyObject(key: unknown, type: 'public' | 'private'): KeyObject {
  const object = key instanceof KeyObject ? key : KeyObject.from(key as HpkeKey);
  if (object.type !== type || object.asymmetricKeyType !== 'x25519') {
    throw new TypeError(`Not an X25519 ${type} key`);
  }
  return object;
}

function isKeyPair(value: unknown): value is HpkeKeyPair {
  return typeof value === 'object' && value !== null && 'privateKey' in value && 'publicKey' in value;
}

/**
 * Keys go in and out as JWK, not DER: OpenSSL 3's DER decoders made an SPKI import ~120 µs and a
 * PKCS#8 import ~580 µs here, against ~9 µs and ~40 µs for the raw bytes in a JWK.
 */
function importRaw(raw: Uint8Array, isPublic: boolean): KeyObject {
  if (raw.byteLength !== X25519_BYTES) throw new Error('An X25519 key is 32 bytes');
  const encoded = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  return isPublic
    ? createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: encoded }, format: 'jwk' })
    : // node reads only d from a private OKP JWK (x need only be a string) and derives x itself.
      createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: '', d: encoded }, format: 'jwk' });
}

/** Out through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts). */
function rawPublic(key: KeyObject): Uint8Array {
  return rawOkpPublic(key);
}

/**
 * Deriving pk(skR) for the kem_context is an export per open; a server opens every bundle with the
 * same imported private key (seal.ts caches it), so the public half is remembered beside it.
 */
const publicOfPrivate = new WeakMap<KeyObject, Uint8Array>();

function rawPublicOfPrivate(privateKey: KeyObject): Uint8Array {
  let raw = publicOfPrivate.get(privateKey);
  if (!raw) {
    raw = rawPublic(createPublicKey(privateKey));
    publicOfPrivate.set(privateKey, raw);
  }
  return raw;
}

/**
 * RFC 9180 §7.1.4: an all-zero DH output (a low-order point) must be refused. OpenSSL 3 already fails
 * such a derivation; checking here keeps the rule whatever library node was built with.
 */
function x25519(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const dh = diffieHellman({ privateKey, publicKey });
  // OR-ing every byte, not stopping at the first non-zero one, keeps the check's time independent of dh.
  let bits = 0;
  for (const byte of dh) bits |= byte;
  if (bits === 0) throw new Error('X25519 shared secret is all zero');
  return dh;
}

/**
 * DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1, base mode only: Outpost never authenticates the sender
 * with HPKE (bundles are signed with Ed25519), so Auth mode (a senderKey or senderPublicKey) is
 * refused with NotSupportedError rather than carried untested.
 */
export class NodeDhkemX25519HkdfSha256 implements KemInterface {
  readonly id = KemId.DhkemX25519HkdfSha256;
  readonly secretSize = 32;
  readonly encSize = 32;
  readonly publicKeySize = 32;
  readonly privateKeySize = 32;
  /** Its suite_id is "KEM" || I2OSP(kem_id, 2), unlike the CipherSuite's KDF. */
  private readonly kdf = new NodeHkdfSha256();

  constructor() {
    this.kdf.init(Uint8Array.of(0x4b, 0x45, 0x4d, this.id >> 8, this.id & 0xff));
  }

  async serializePublicKey(key: HpkeKey): Promise<ArrayBuffer> {
    return rethrowAs(SerializeError, () => arrayBuffer(rawPublic(keyObject(key, 'public'))));
  }

  async deserializePublicKey(key: Input): Promise<HpkeKey> {
    return rethrowAs(DeserializeError, () => asHpkeKey(importRaw(view(key), true)));
  }

  async serializePrivateKey(key: HpkeKey): Promise<ArrayBuffer> {
    return rethrowAs(SerializeError, () => arrayBuffer(rawOkpPrivate(keyObject(key, 'private'))));
  }

  async deserializePrivateKey(key: Input): Promise<HpkeKey> {
    return rethrowAs(DeserializeError, () => asHpkeKey(importRaw(view(key), false)));
  }

  async importKey(format: 'raw' | 'jwk', key: ArrayBuffer | JsonWebKey, isPublic = true): Promise<HpkeKey> {
    try {
      if (format === 'raw') {
        if (!(key instanceof ArrayBuffer)) throw new Error('A raw key is an ArrayBuffer');
        return asHpkeKey(importRaw(new Uint8Array(key), isPublic));
      }
      if (key instanceof ArrayBuffer) throw new Error('Invalid jwk key format');
      if (key.kty !== 'OKP' || key.crv !== 'X25519') throw new Error('Not an X25519 JWK');
      if (isPublic !== (key.d === undefined))
        throw new Error(isPublic ? '`d` must not be set' : '`d` not found');
      const field = isPublic ? key.x : key.d;
      if (typeof field !== 'string' || !JWK_KEY_FIELD.test(field)) throw new Error('Not a 32-byte JWK key');
      // A private JWK's x is not used: the public half is always derived from d.
      return asHpkeKey(importRaw(Buffer.from(field, 'base64url'), isPublic));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }

  async generateKeyPair(): Promise<HpkeKeyPair> {
    const { privateKey, publicKey } = rethrowAs(NotSupportedError, () => generateKeyPairSync('x25519'));
    return { privateKey: asHpkeKey(privateKey), publicKey: asHpkeKey(publicKey) };
  }

  /** RFC 9180 §7.1.3 for X25519: the 32 expanded bytes are the private key as they are. */
  async deriveKeyPair(ikm: Input): Promise<HpkeKeyPair> {
    if (ikm.byteLength > INPUT_LENGTH_LIMIT) throw new InvalidParamError('Too long ikm');
    try {
      const dkpPrk = await this.kdf.labeledExtract(new Uint8Array(0), LABEL_DKP_PRK, view(ikm));
      const sk = new Uint8Array(await this.kdf.labeledExpand(dkpPrk, LABEL_SK, new Uint8Array(0), 32));
      const privateKey = importRaw(sk, false);
      sk.fill(0);
      return { privateKey: asHpkeKey(privateKey), publicKey: asHpkeKey(createPublicKey(privateKey)) };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }

  async encap(params: SenderContextParams): Promise<{ sharedSecret: ArrayBuffer; enc: ArrayBuffer }> {
    if (params.senderKey !== undefined) throw new NotSupportedError('HPKE Auth mode is not supported');
    const ephemeral =
      params.ekm === undefined
        ? await this.generateKeyPair()
        : isKeyPair(params.ekm) // a fixed ephemeral key, for test vectors only
          ? params.ekm
          : await this.deriveKeyPair(params.ekm);
    const enc = new Uint8Array(await this.serializePublicKey(ephemeral.publicKey));
    const pkRm = new Uint8Array(await this.serializePublicKey(params.recipientPublicKey));
    try {
      const dh = x25519(
        keyObject(ephemeral.privateKey, 'private'),
        keyObject(params.recipientPublicKey, 'public'),
      );
      return { enc: enc.buffer, sharedSecret: await this.sharedSecret(dh, enc, pkRm) };
    } catch (e) {
      throw new EncapError(e);
    }
  }

  async decap(params: RecipientContextParams): Promise<ArrayBuffer> {
    if (params.senderPublicKey !== undefined) throw new NotSupportedError('HPKE Auth mode is not supported');
    const enc = Uint8Array.from(view(params.enc));
    // As in @hpke/core, a malformed enc is a DeserializeError, not a DecapError.
    const pkE = keyObject(await this.deserializePublicKey(enc), 'public');
    try {
      let skR: KeyObject;
      let pkRm: Uint8Array;
      if (isKeyPair(params.recipientKey)) {
        skR = keyObject(params.recipientKey.privateKey, 'private');
        pkRm = rawPublic(keyObject(params.recipientKey.publicKey, 'public'));
      } else {
        skR = keyObject(params.recipientKey, 'private');
        pkRm = rawPublicOfPrivate(skR);
      }
      return await this.sharedSecret(x25519(skR, pkE), enc, pkRm);
    } catch (e) {
      throw new DecapError(e);
    }
  }

  /** ExtractAndExpand(dh, kem_context) of RFC 9180 §4.1. */
  private sharedSecret(dh: Uint8Array, enc: Uint8Array, pkRm: Uint8Array): Promise<ArrayBuffer> {
    const ikm = this.kdf.buildLabeledIkm(LABEL_EAE_PRK, dh);
    const info = this.kdf.buildLabeledInfo(LABEL_SHARED_SECRET, Buffer.concat([enc, pkRm]), this.secretSize);
    return this.kdf.extractAndExpand(new Uint8Array(0), ikm, info, this.secretSize);
  }
}

/**
 * AES-GCM with a 12-byte nonce and 16-byte tag. 32-byte keys are our suite (aead_id 2); 16-byte keys
 * exist so RFC 9180's printed A.1 vector (AES-128-GCM) checks this very class.
 */
export class NodeAesGcm implements AeadInterface {
  readonly id: typeof AeadId.Aes128Gcm | typeof AeadId.Aes256Gcm;
  readonly nonceSize = 12;
  readonly tagSize = 16;

  constructor(readonly keySize: 16 | 32 = 32) {
    this.id = keySize === 32 ? AeadId.Aes256Gcm : AeadId.Aes128Gcm;
  }

  createEncryptionContext(key: Input): AeadEncryptionContext {
    const raw = view(key);
    // WebCrypto would quietly take a 24-byte key as AES-192; the suite fixes the length.
    if (raw.byteLength !== this.keySize) throw new InvalidParamError(`An AEAD key is ${this.keySize} bytes`);
    const secret = createSecretKey(raw);
    const algorithm = this.keySize === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    const tagSize = this.tagSize;
    return {
      async seal(iv, data, aad) {
        const cipher = createCipheriv(algorithm, secret, view(iv), { authTagLength: tagSize });
        cipher.setAAD(view(aad));
        const body = cipher.update(view(data));
        const tail = cipher.final();
        return arrayBuffer(body, tail, cipher.getAuthTag());
      },
      async open(iv, data, aad) {
        const bytes = view(data);
        if (bytes.byteLength < tagSize) throw new Error('Ciphertext shorter than the tag');
        const decipher = createDecipheriv(algorithm, secret, view(iv), { authTagLength: tagSize });
        decipher.setAAD(view(aad));
        decipher.setAuthTag(bytes.subarray(bytes.byteLength - tagSize));
        const body = decipher.update(bytes.subarray(0, bytes.byteLength - tagSize));
        // final() throws on a bad tag; nothing decrypted is returned before it has passed.
        const tail = decipher.final();
        return arrayBuffer(body, tail);
      },
    };
  }
}
