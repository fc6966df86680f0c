import { CipherSuite } from '@hpke/core';
import { NodeAesGcm, NodeDhkemX25519HkdfSha256, NodeHkdfSha256 } from './node-primitives';

/**
 * The one HPKE suite Outpost speaks (RFC 9180 base mode). Ids are the IANA registry values, carried
 * on the wire so a later suite can be introduced beside this one instead of silently replacing it.
 */
export const HPKE_SUITE = {
  name: 'DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-256-GCM',
  kem_id: 0x0020,
  kdf_id: 0x0001,
  aead_id: 0x0002,
} as const;

/** X25519 keys and the encapsulated key `enc` are all 32 bytes. */
export const HPKE_KEY_BYTES = 32;

/**
 * @hpke/core runs the key schedule and the contexts; the primitives under it are node:crypto's
 * synchronous calls instead of its WebCrypto ones (the same bytes, checked both ways in
 * node-primitives.test.ts), which made opening a bundle several times cheaper.
 */
export const hpkeSuite = new CipherSuite({
  kem: new NodeDhkemX25519HkdfSha256(),
  kdf: new NodeHkdfSha256(),
  aead: new NodeAesGcm(32),
});
