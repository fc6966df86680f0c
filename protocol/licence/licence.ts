import { z } from 'zod';
import { text } from '../text';
import { base64urlBytes } from '../crypto/base64url';

const B64u = (bytes: number) => base64urlBytes(bytes);
const UtcTimestamp = z.iso.datetime({ offset: false });

export const LICENCE_HPKE_INFO = 'outpost/cek/v1';
export const DEFAULT_LICENCE_DAYS = 30;
export const DEFAULT_OFFLINE_GRACE_HOURS = 72;

/**
 * A device-bound licence, after Readium LCP: the server signs who may read what, until when, and
 * carries the material's key sealed to that one device. Strict, because what is signed must be
 * exactly what was checked.
 */
export const Licence = z.strictObject({
  v: z.literal(1),
  licence_id: z.uuid(),
  material_id: text(128),
  device_id: text(128),
  user_id: text(128),
  rights: z.strictObject({ print: z.boolean(), copy: z.boolean() }),
  issued_at: UtcTimestamp,
  expires_at: UtcTimestamp,
  offline_grace_hours: z
    .number()
    .int()
    .positive()
    .max(24 * 90),
  nonce: B64u(16),
  content: z.strictObject({ manifest_sha256: B64u(32) }),
  cek: z.strictObject({
    /** HPKE encapsulated key, 32 bytes. */
    enc: B64u(32),
    /** The 32-byte CEK sealed with AES-256-GCM: 48 bytes. */
    wrapped: B64u(48),
  }),
  server_key_id: text(64),
  signature: base64urlBytes(64, 'Ed25519 signature'),
});
export type Licence = z.infer<typeof Licence>;

/** The CEK's aad: a wrapped key lifted into another licence, for another material or device, fails. */
export function cekAad(licence: Pick<Licence, 'licence_id' | 'material_id' | 'device_id'>) {
  return { licence_id: licence.licence_id, material_id: licence.material_id, device_id: licence.device_id };
}
