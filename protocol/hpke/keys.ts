import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { z } from 'zod';
import { base64urlBytes } from '../crypto/base64url';
import { HPKE_KEY_BYTES } from './suite';
import { rawOkpPrivate, rawOkpPublic } from '../crypto/okp-raw';

/** A raw X25519 public key, 32 bytes as unpadded base64url: what the server publishes, what a device enrols. */
export const HpkePublicKey = base64urlBytes(32);
export type HpkePublicKey = z.infer<typeof HpkePublicKey>;

/**
 * Private keys stay raw bytes (the RFC 9180 SerializePrivateKey form) so they can be put in a keychain
 * entry or an encrypted column as they are, with no PEM/PKCS#8 wrapper to parse back.
 */
export interface HpkeKeyPair {
  publicKey: HpkePublicKey;
  privateKey: Uint8Array;
}

export function generateHpkeKeyPair(): HpkeKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  // DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts).
  return {
    publicKey: Buffer.from(rawOkpPublic(publicKey)).toString('base64url'),
    privateKey: rawOkpPrivate(privateKey),
  };
}

export function exportHpkePrivateKey(keyPair: HpkeKeyPair): Uint8Array {
  return Uint8Array.from(keyPair.privateKey);
}

/** Rebuilds the pair from stored private bytes; the public half is derived, never stored beside it. */
export function importHpkePrivateKey(bytes: Uint8Array): HpkeKeyPair {
  if (bytes.length !== HPKE_KEY_BYTES) throw new TypeError('An X25519 private key is 32 bytes');
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, bytes]),
    format: 'der',
    type: 'pkcs8',
  });
  const x = Buffer.from(rawOkpPublic(key)).toString('base64url');
  return { publicKey: x, privateKey: Uint8Array.from(bytes) };
}

export function hpkePublicKeyBytes(publicKey: HpkePublicKey): Uint8Array {
  const parsed = HpkePublicKey.safeParse(publicKey);
  if (!parsed.success) throw new TypeError('An X25519 public key is 32 bytes of base64url');
  return new Uint8Array(Buffer.from(parsed.data, 'base64url'));
}

// PKCS#8 PrivateKeyInfo header for id-X25519 (1.3.101.110, RFC 8410) around a 32-byte key.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
