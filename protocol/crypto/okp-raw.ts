import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The raw 32 bytes of an Ed25519 or X25519 key, cut from its DER export behind a checked prefix.
 *
 * Not from a JWK export: on Node 20.20 exporting a generated key as JWK can deadlock the whole
 * process (a garbage collection during the export runs the finished key-generation job's
 * destructor, which waits for a lock the export holds). A loop of `generateKeyPairSync('x25519')`
 * and `export({ format: 'jwk' })` hung within seconds in 3 runs of 3 here; DER ran 100,000 exports.
 * Every bundle a till seals makes an ephemeral X25519 key and exports it, so a till could freeze
 * mid-sale sync. Importing through JWK is not affected and stays (it is the fast path: node-primitives.ts).
 */
const SPKI_PREFIX: Record<OkpType, Buffer> = {
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  x25519: Buffer.from('302a300506032b656e032100', 'hex'),
};
const PKCS8_PREFIX: Record<OkpType, Buffer> = {
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
};

type OkpType = 'ed25519' | 'x25519';

function okpType(key: KeyObject): OkpType {
  const type = key.asymmetricKeyType;
  if (type !== 'ed25519' && type !== 'x25519') throw new TypeError('Not an Ed25519 or X25519 key');
  return type;
}

function cut(der: Buffer, prefix: Buffer): Uint8Array {
  if (der.length !== prefix.length + 32 || !der.subarray(0, prefix.length).equals(prefix))
    throw new TypeError('Unexpected DER encoding of an OKP key');
  return new Uint8Array(der.subarray(prefix.length));
}

/** The public key's 32 bytes; from a private key, its public half's. */
export function rawOkpPublic(key: KeyObject): Uint8Array {
  const type = okpType(key);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return cut(pub.export({ format: 'der', type: 'spki' }), SPKI_PREFIX[type]);
}

/** The private key's 32 bytes (the seed of Ed25519, the scalar of X25519). */
export function rawOkpPrivate(key: KeyObject): Uint8Array {
  if (key.type !== 'private') throw new TypeError('Not a private key');
  return cut(key.export({ format: 'der', type: 'pkcs8' }), PKCS8_PREFIX[okpType(key)]);
}
