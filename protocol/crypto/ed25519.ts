import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { canonicalBytes } from './canonical';
import { rawOkpPublic } from './okp-raw';

/**
 * Ed25519 over canonical JSON. Public keys travel as SPKI PEM (what the payments seed's
 * `pubkey_pem` holds) or as raw 32-byte base64url; private keys never leave the keychain except as
 * PKCS#8 DER inside it.
 */
export interface Ed25519KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function generateEd25519(): Ed25519KeyPair {
  return generateKeyPairSync('ed25519');
}

export function exportPrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

export function importPrivateKey(der: Buffer): KeyObject {
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('Not an Ed25519 private key');
  return key;
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** Through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts). */
export function publicKeyRaw(key: KeyObject): Buffer {
  return Buffer.from(rawOkpPublic(key));
}

/** Parses a PEM or raw base64url Ed25519 public key; throws on anything else (RSA, EC, garbage). */
export function importPublicKey(encoded: string): KeyObject {
  const key = encoded.includes('-----BEGIN')
    ? createPublicKey({ key: encoded, format: 'pem' })
    : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: rawBase64url(encoded) }, format: 'jwk' });
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('Not an Ed25519 public key');
  return key;
}

function rawBase64url(encoded: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/.test(encoded)) throw new TypeError('Raw Ed25519 keys are 32 bytes of base64url');
  return encoded;
}

export function signCanonical(privateKey: KeyObject, value: unknown): string {
  return sign(null, canonicalBytes(value), privateKey).toString('base64url');
}

/** False for any bad signature, malformed or not; never throws on attacker-supplied input. */
export function verifyCanonical(publicKey: KeyObject, value: unknown, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  try {
    return verify(null, canonicalBytes(value), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
