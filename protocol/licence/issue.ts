import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { canonicalBytes } from '../crypto/canonical';
import { signCanonical } from '../crypto/ed25519';
import type { HpkePublicKey } from '../hpke/keys';
import { sealTo } from '../hpke/seal';
import {
  cekAad,
  DEFAULT_LICENCE_DAYS,
  DEFAULT_OFFLINE_GRACE_HOURS,
  Licence,
  LICENCE_HPKE_INFO,
} from './licence';

export interface IssueLicenceInput {
  materialId: string;
  deviceId: string;
  /** The device's enrolled X25519 key: only this device can unwrap the CEK. */
  devicePublicKey: HpkePublicKey;
  userId: string;
  cek: Uint8Array;
  /** manifestHash of the material's manifest. */
  manifestSha256: string;
  serverKey: KeyObject;
  serverKeyId: string;
  now: Date;
  validDays?: number;
  offlineGraceHours?: number;
  rights?: { print: boolean; copy: boolean };
  licenceId?: string;
}

/** Server side. */
export async function issueLicence(input: IssueLicenceInput): Promise<Licence> {
  if (input.cek.length !== 32) throw new TypeError('The CEK is 32 bytes');
  const days = input.validDays ?? DEFAULT_LICENCE_DAYS;
  const ids = {
    licence_id: input.licenceId ?? randomUUID(),
    material_id: input.materialId,
    device_id: input.deviceId,
  };
  const wrapped = await sealTo(input.devicePublicKey, input.cek, {
    info: LICENCE_HPKE_INFO,
    aad: canonicalBytes(cekAad(ids)),
  });
  const unsigned = {
    v: 1 as const,
    ...ids,
    user_id: input.userId,
    rights: input.rights ?? { print: false, copy: false },
    issued_at: input.now.toISOString(),
    expires_at: new Date(input.now.getTime() + days * 86_400_000).toISOString(),
    offline_grace_hours: input.offlineGraceHours ?? DEFAULT_OFFLINE_GRACE_HOURS,
    nonce: randomBytes(16).toString('base64url'),
    content: { manifest_sha256: input.manifestSha256 },
    cek: { enc: wrapped.enc, wrapped: Buffer.from(wrapped.ciphertext).toString('base64url') },
    server_key_id: input.serverKeyId,
  };
  return Licence.parse({ ...unsigned, signature: signCanonical(input.serverKey, unsigned) });
}
