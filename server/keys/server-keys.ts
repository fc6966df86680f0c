import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type pg from 'pg';
import { publicKeyPem } from '../../protocol/crypto';
import { deriveKey } from './master-secret';
import { rawOkpPublic } from '../../protocol/crypto/okp-raw';

export interface ServerKeys {
  signing: { privateKey: KeyObject; publicKey: KeyObject; publicKeyPem: string; kid: string };
  hpke: { privateKey: KeyObject; publicKey: KeyObject; publicKeyRaw: string };
}

type KeyKind = 'jwt_signing_ed25519' | 'hpke_x25519';

function seal(master: Buffer, kind: KeyKind, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(master, 'server-keys'), iv);
  // The kind is bound in, so one sealed key cannot be swapped into another row.
  cipher.setAAD(Buffer.from(kind));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    ct.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

function open(master: Buffer, kind: KeyKind, sealed: string): Buffer {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) throw new Error(`server key ${kind}: unknown format`);
  const decipher = createDecipheriv(
    'aes-256-gcm',
    deriveKey(master, 'server-keys'),
    Buffer.from(iv, 'base64url'),
  );
  decipher.setAAD(Buffer.from(kind));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  } catch (err) {
    throw new Error(
      `server key ${kind} cannot be decrypted: the master secret (OUTPOST_MASTER_SECRET or the data directory's master.key) is not the one it was created with`,
      { cause: err },
    );
  }
}

/** Through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts). */
function rawPublic(key: KeyObject): string {
  return Buffer.from(rawOkpPublic(key)).toString('base64url');
}

/**
 * Loads the server's key pairs, creating any that do not exist yet. Creation is
 * insert-if-absent, then read back: two instances starting together agree on one key.
 */
async function loadOrCreate(pool: pg.Pool, master: Buffer, kind: KeyKind): Promise<KeyObject> {
  const type = kind === 'jwt_signing_ed25519' ? 'ed25519' : 'x25519';
  const { privateKey, publicKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  await pool.query(
    'INSERT INTO server_keys (kind, public_key, private_key_enc) VALUES ($1, $2, $3) ON CONFLICT (kind) DO NOTHING',
    [kind, rawPublic(publicKey), seal(master, kind, privateKey.export({ format: 'der', type: 'pkcs8' }))],
  );
  const { rows } = await pool.query<{ private_key_enc: string }>(
    'SELECT private_key_enc FROM server_keys WHERE kind = $1',
    [kind],
  );
  const sealed = rows[0]?.private_key_enc;
  if (!sealed) throw new Error(`server key ${kind} missing after insert`);
  const key = createPrivateKey({ key: open(master, kind, sealed), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== type) throw new Error(`server key ${kind} is not ${type}`);
  return key;
}

export async function loadServerKeys(pool: pg.Pool, master: Buffer): Promise<ServerKeys> {
  const signingPrivate = await loadOrCreate(pool, master, 'jwt_signing_ed25519');
  const hpkePrivate = await loadOrCreate(pool, master, 'hpke_x25519');
  const signingPublic = createPublicKey(signingPrivate);
  const hpkePublic = createPublicKey(hpkePrivate);
  return {
    signing: {
      privateKey: signingPrivate,
      publicKey: signingPublic,
      publicKeyPem: publicKeyPem(signingPublic),
      // Names the key in JWT headers, so a future rotation can keep verifying old tokens.
      kid: rawPublic(signingPublic).slice(0, 16),
    },
    hpke: { privateKey: hpkePrivate, publicKey: hpkePublic, publicKeyRaw: rawPublic(hpkePublic) },
  };
}
