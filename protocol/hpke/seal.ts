import { hpkePublicKeyBytes, type HpkePublicKey } from './keys';
import { HpkeOpenError } from './errors';
import { HPKE_KEY_BYTES, hpkeSuite } from './suite';

/** Strings are taken as UTF-8, which is how every info and aad label of ours is defined. */
export type Bytes = Uint8Array | string;

export interface HpkeSealed {
  /** The encapsulated ephemeral public key, 32 bytes base64url. */
  enc: string;
  ciphertext: Uint8Array;
}

export interface HpkeParams {
  info: Bytes;
  aad?: Bytes;
}

function bytes(value: Bytes | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/**
 * Splits sealing in two because some formats (the bundle envelope) put `enc` inside the aad, so it
 * must be known before the plaintext is sealed. The context seals exactly once: a second message
 * would need a sequence number the receiver does not track.
 */
export async function beginSeal(
  recipientPublicKey: HpkePublicKey,
  info: Bytes,
): Promise<{ enc: string; seal(plaintext: Uint8Array, aad?: Bytes): Promise<Uint8Array> }> {
  const publicKey = await hpkeSuite.kem.deserializePublicKey(hpkePublicKeyBytes(recipientPublicKey));
  const sender = await hpkeSuite.createSenderContext({ recipientPublicKey: publicKey, info: bytes(info) });
  let used = false;
  return {
    enc: Buffer.from(sender.enc).toString('base64url'),
    async seal(plaintext, aad) {
      if (used) throw new Error('An HPKE sealing context seals one message');
      used = true;
      return new Uint8Array(await sender.seal(plaintext, bytes(aad)));
    },
  };
}

export async function sealTo(
  recipientPublicKey: HpkePublicKey,
  plaintext: Uint8Array,
  params: HpkeParams,
): Promise<HpkeSealed> {
  const sealer = await beginSeal(recipientPublicKey, params.info);
  return { enc: sealer.enc, ciphertext: await sealer.seal(plaintext, params.aad) };
}

/** Throws HpkeOpenError (HPKE_OPEN_FAILED) for any failure, including a malformed `enc`. */
export async function openWith(
  privateKey: Uint8Array,
  sealed: { enc: string | Uint8Array; ciphertext: Uint8Array },
  params: HpkeParams,
): Promise<Uint8Array> {
  if (privateKey.length !== HPKE_KEY_BYTES) throw new TypeError('An X25519 private key is 32 bytes');
  const enc = typeof sealed.enc === 'string' ? decodeEnc(sealed.enc) : sealed.enc;
  try {
    if (enc === null || enc.length !== HPKE_KEY_BYTES) throw new Error('enc is not 32 bytes');
    const recipientKey = await importedKey(privateKey);
    const plaintext = await hpkeSuite.open(
      { recipientKey, enc, info: bytes(params.info) },
      sealed.ciphertext,
      bytes(params.aad),
    );
    return new Uint8Array(plaintext);
  } catch (cause) {
    throw new HpkeOpenError({ cause });
  }
}

/**
 * Importing the private key was about a fifth of opening a bundle, and a server opens every bundle
 * with the same key object. Keyed by that object (never by its bytes, so no copy of a private key is
 * kept), and dropped with it.
 */
type ImportedKey = ReturnType<typeof hpkeSuite.kem.deserializePrivateKey>;
const importedKeys = new WeakMap<Uint8Array, ImportedKey>();

function importedKey(privateKey: Uint8Array): ImportedKey {
  let key = importedKeys.get(privateKey);
  if (!key) {
    key = hpkeSuite.kem.deserializePrivateKey(privateKey);
    // A failed import is not cached: the next call tries again and reports its own error.
    key.catch(() => importedKeys.delete(privateKey));
    importedKeys.set(privateKey, key);
  }
  return key;
}

function decodeEnc(enc: string): Uint8Array | null {
  return /^[A-Za-z0-9_-]{43}$/.test(enc) ? new Uint8Array(Buffer.from(enc, 'base64url')) : null;
}
