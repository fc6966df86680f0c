import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

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
/** AES-256-GCM tag appended to every ciphertext. */
export const HPKE_TAG_BYTES = 16;

export const hpkeSuite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
