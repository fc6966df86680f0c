import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { KeyStore } from '../key-store';
import { exportPrivateKey, importPrivateKey, publicKeyPem, publicKeyRaw } from '../../../../protocol/crypto';
import { rawOkpPublic } from '../../../../protocol/crypto/okp-raw';

/** Keychain accounts; the private halves exist nowhere else. */
export const IDENTITY_ACCOUNTS = {
  signing: 'device:ed25519',
  agreement: 'device:x25519',
  installId: 'device:install-id',
} as const;

export interface DeviceIdentity {
  /** Derived from the signing key, so it cannot drift from the key the server knows. */
  deviceId: string;
  /** Binds the identity to this machine: the same keys on another machine give another fingerprint. */
  fingerprint: string;
  signingKey: KeyObject;
  signingPublicKeyPem: string;
  /** X25519 public key (raw, base64url) that licences and other wrapped keys are sealed to. */
  agreementPublicKey: string;
  agreementKey: KeyObject;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(bytes: Buffer, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

async function loadOrCreate(keyStore: KeyStore, account: string, create: () => Buffer): Promise<Buffer> {
  const existing = await keyStore.get(account);
  if (existing) return existing;
  const created = create();
  await keyStore.set(account, created);
  // Read back: a keychain that silently drops writes must fail here, not after enrollment.
  const stored = await keyStore.get(account);
  if (!stored?.equals(created)) throw new Error(`The OS keychain did not keep ${account}`);
  return stored;
}

function importX25519(der: Buffer): KeyObject {
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'x25519') throw new TypeError('Not an X25519 private key');
  return key;
}

/** How an identity is bound to its machine: the OS machine id where the platform has one. */
export interface IdentityOptions {
  /** The OS's machine id (the app reads /etc/machine-id and the like); absent or failing: a random one. */
  machineId?: () => Promise<string>;
}

async function machineBinding(keyStore: KeyStore, options: IdentityOptions): Promise<string> {
  try {
    if (!options.machineId) throw new Error('no machine id');
    return await options.machineId();
  } catch {
    // No OS machine id (some containers): a random id in the keychain still binds us to this profile.
    return (await loadOrCreate(keyStore, IDENTITY_ACCOUNTS.installId, () => randomBytes(16))).toString('hex');
  }
}

/** The device's identity: created on first run, then read from the OS keychain on every start. */
export async function loadOrCreateIdentity(
  keyStore: KeyStore,
  options: IdentityOptions = {},
): Promise<DeviceIdentity> {
  const signingDer = await loadOrCreate(keyStore, IDENTITY_ACCOUNTS.signing, () =>
    exportPrivateKey(generateKeyPairSync('ed25519').privateKey),
  );
  const agreementDer = await loadOrCreate(keyStore, IDENTITY_ACCOUNTS.agreement, () =>
    generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' }),
  );
  const signingKey = importPrivateKey(signingDer);
  const agreementKey = importX25519(agreementDer);
  const signingPublic = createPublicKey(signingKey);
  const rawPublic = publicKeyRaw(signingPublic);
  const machine = await machineBinding(keyStore, options);
  const fingerprint = createHash('sha256')
    .update('outpost/device-fingerprint/v1\0')
    .update(machine)
    .update('\0')
    .update(rawPublic)
    .digest('base64url');
  // Through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts).
  const agreementPublic = Buffer.from(rawOkpPublic(agreementKey)).toString('base64url');
  return {
    deviceId: `OP-${base32(createHash('sha256').update(rawPublic).digest(), 16)}`,
    fingerprint,
    signingKey,
    signingPublicKeyPem: publicKeyPem(signingPublic),
    agreementKey,
    agreementPublicKey: agreementPublic,
  };
}
