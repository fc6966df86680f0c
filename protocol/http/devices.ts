import { z } from 'zod';
import { text } from '../text';
import {
  Country,
  Currency,
  DeviceId,
  Fingerprint,
  IsoDateTime,
  storedText,
  PublicKeyPem,
  TenantId,
  TenantType,
  Uuid,
  X25519Public,
} from './common';
import { RequestNonce, ServerStatement } from '../licence/server-statement';
import { Policy } from './policies';

export const DeviceStatus = z.enum(['active', 'revoked']);

export const DeviceRecord = z.object({
  device_id: DeviceId,
  status: DeviceStatus,
  tenant_type: TenantType.nullable(),
  tenant_id: z.string().nullable(),
  user_id: Uuid.nullable(),
  country: z.string().nullable(),
  currency_default: z.string().nullable(),
  fingerprint: z.string().nullable(),
  name: z.string().nullable(),
  platform: z.string().nullable(),
  pubkey_pem: z.string(),
  x25519_pub: z.string(),
  created_at: IsoDateTime,
  last_seen_at: IsoDateTime.nullable(),
  revoked_at: IsoDateTime.nullable(),
});
export type DeviceRecord = z.infer<typeof DeviceRecord>;

/** POST /offline/devices (pay_admin): a terminal registered by hand. */
export const RegisterTerminalRequest = z.object({
  device_id: DeviceId,
  tenant_type: TenantType,
  tenant_id: TenantId,
  pubkey_pem: PublicKeyPem,
  x25519_pub: X25519Public,
  country: Country,
  currency_default: Currency,
  fingerprint: Fingerprint.optional(),
});
export type RegisterTerminalRequest = z.infer<typeof RegisterTerminalRequest>;

export const EnrollmentCodeRequest = z.object({
  tenant_type: TenantType,
  tenant_id: TenantId,
  country: Country,
  currency_default: Currency,
  label: storedText(200).optional(),
  expires_in_hours: z.number().int().min(1).max(720).default(72),
});
export type EnrollmentCodeRequest = z.infer<typeof EnrollmentCodeRequest>;

export const EnrollmentCodeResponse = z.object({
  /** Shown once: `XXXX-XXXX-XXXX`, Crockford base32 (60 bits). Only a keyed hash is stored. */
  code: z.string(),
  /**
   * The text to put in a QR code for a till's scanner (issue #19): the code itself, which the till's
   * enrollment field takes as if typed (a scanner types what it reads).
   */
  qr_payload: z.string(),
  expires_at: IsoDateTime,
});
export type EnrollmentCodeResponse = z.infer<typeof EnrollmentCodeResponse>;

/** Loose on purpose: people type codes with spaces, dashes and either case. */
export const EnrollmentCode = text(64);

/** POST /offline/enroll, signed with the key in `pubkey_pem` (proof of possession). */
export const EnrollRequest = z.object({
  code: EnrollmentCode,
  device_id: DeviceId,
  pubkey_pem: PublicKeyPem,
  x25519_pub: X25519Public,
  fingerprint: Fingerprint,
  name: storedText(100).optional(),
  platform: storedText(32).optional(),
  /** Fresh per request; echoed in the signed `statement` (optional for tills from before issue #16). */
  request_nonce: RequestNonce.optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const ServerPublicKeys = z.object({
  /** Ed25519 SPKI PEM: verifies access tokens and, later, what the server signs. */
  signing_public_key_pem: z.string(),
  /** X25519, 32 bytes base64url: devices encrypt bundles to it with HPKE. */
  hpke_public_key: z.string(),
});
export type ServerPublicKeys = z.infer<typeof ServerPublicKeys>;

export const EnrollResponse = z.object({
  device: DeviceRecord,
  server: ServerPublicKeys,
  /** Informational only: a till saves `statement.policy`, never this. */
  policy: Policy.nullable(),
  /** Informational only: a till trusts `statement.server_time`, never this. */
  server_time: IsoDateTime,
  /** `server_time` and `policy` signed for this device and the request's `request_nonce`. */
  statement: ServerStatement,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

/** Header a device may send its fingerprint in instead of (or as well as) the body. */
export const FINGERPRINT_HEADER = 'x-outpost-fingerprint';

export const CheckInRequest = z
  .object({
    fingerprint: Fingerprint.optional(),
    /** Fresh per request; echoed in the signed `statement` (optional for tills from before issue #16). */
    request_nonce: RequestNonce.optional(),
  })
  .strict();
export type CheckInRequest = z.infer<typeof CheckInRequest>;

export const CheckInResponse = z.object({
  device_id: DeviceId,
  status: DeviceStatus,
  /** Informational only: a till trusts `statement.server_time`, never this. */
  server_time: IsoDateTime,
  /** Informational only: a till saves `statement.policy`, never this. */
  policy: Policy.nullable(),
  /** `server_time` and `policy` signed for this device and the request's `request_nonce`. */
  statement: ServerStatement,
});
export type CheckInResponse = z.infer<typeof CheckInResponse>;

/** POST /api/v1/offline/devices (materials seed): a student's or teacher's laptop. */
export const RegisterUserDeviceRequest = z.object({
  device_id: DeviceId,
  fingerprint: Fingerprint,
  name: storedText(100),
  platform: storedText(32),
  pubkey_pem: PublicKeyPem,
  x25519_pub: X25519Public,
});
export type RegisterUserDeviceRequest = z.infer<typeof RegisterUserDeviceRequest>;

export const DeviceList = z.object({ devices: z.array(DeviceRecord) });
export type DeviceList = z.infer<typeof DeviceList>;

export const DeviceIdParams = z.object({ device_id: DeviceId });

export const DeregisterResponse = z.object({
  device: DeviceRecord,
  /** How many of the device's licences were revoked with it. */
  licenses_revoked: z.number().int().min(0),
});
export type DeregisterResponse = z.infer<typeof DeregisterResponse>;

/** At most this many active devices per user (materials seed). */
export const MAX_DEVICES_PER_USER = 5;
