import { z } from 'zod';
import { text } from '../text';
import { isCanonicalBase64url } from '../crypto/base64url';
import { Manifest } from '../chunks/manifest';
import { Licence } from '../licence/licence';
import { RequestNonce, ServerStatement } from '../licence/server-statement';
import { DeviceId, IsoDateTime, storedText, Uuid } from './common';
import { MATERIAL_CONTENT_TYPES } from './material-types';

/**
 * The materials contract between laptops and the server (materials seed: /api/v1/offline/...).
 * Teachers and admins upload and grant with a bearer token; laptops speak with device-signed
 * requests (protocol/crypto/request-signature.ts), so the server knows both the device and, through
 * its registration, the user it belongs to. A CEK never travels in clear: it is inside the licence,
 * sealed to the device's X25519 key.
 */

export const MaterialId = Uuid;
export const LicenceId = Uuid;
export const JobId = Uuid;

export { MATERIAL_CONTENT_TYPES, MAX_MATERIAL_BYTES } from './material-types';
export const MaterialContentType = z.enum(MATERIAL_CONTENT_TYPES);
export type MaterialContentType = z.infer<typeof MaterialContentType>;

export const MaterialStatus = z.enum(['pending', 'encrypting', 'ready', 'failed']);
export type MaterialStatus = z.infer<typeof MaterialStatus>;

export const MaterialRecord = z.object({
  material_id: MaterialId,
  title: z.string(),
  content_type: MaterialContentType,
  plaintext_size: z.number().int().nonnegative(),
  status: MaterialStatus,
  /** Null until the encryption job has written the manifest. */
  manifest_sha256: z.string().nullable(),
  chunk_count: z.number().int().nonnegative().nullable(),
  created_at: IsoDateTime,
});
export type MaterialRecord = z.infer<typeof MaterialRecord>;

/** GET /api/v1/offline/materials: what the caller (a user, or a device's user) may take. */
export const MaterialList = z.object({ materials: z.array(MaterialRecord) });
export type MaterialList = z.infer<typeof MaterialList>;

export const MaterialParams = z.object({ material_id: MaterialId });
export const LicenceParams = z.object({ license_id: LicenceId });
export const JobParams = z.object({ job_id: JobId });

/**
 * POST /api/v1/offline/materials (teacher, pay_admin is not a school role): the body is the raw file;
 * its type is the Content-Type header and its title the `title` query parameter. 202: the encryption
 * job is queued.
 */
export const UploadMaterialQuery = z.object({ title: storedText(500) });
export const UploadMaterialResponse = z.object({ material: MaterialRecord, job_id: JobId });
export type UploadMaterialResponse = z.infer<typeof UploadMaterialResponse>;

/** POST /api/v1/offline/materials/:material_id/grants: who may take it (by user email). */
export const GrantRequest = z.object({ emails: z.array(z.email()).min(1).max(1000) });
export const GrantResponse = z.object({ granted: z.number().int().nonnegative() });

/**
 * DELETE /api/v1/offline/materials/:material_id/grants: withdraw access. The users' live licences for
 * the material are revoked too, so their laptops see `revoked` at the next sync and cannot take a new one.
 */
export const WithdrawGrantsRequest = GrantRequest;
export const WithdrawGrantsResponse = z.object({
  withdrawn: z.number().int().nonnegative(),
  licenses_revoked: z.number().int().nonnegative(),
});

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed']);
export const JobRecord = z.object({
  job_id: JobId,
  material_id: MaterialId,
  status: JobStatus,
  attempts: z.number().int().nonnegative(),
  error: z.string().nullable(),
  created_at: IsoDateTime,
  finished_at: IsoDateTime.nullable(),
});
export type JobRecord = z.infer<typeof JobRecord>;

/** Licence states (issue #5), as the server tracks them. */
export const LicenceStatus = z.enum(['ready', 'active', 'revoked', 'returned', 'cancelled', 'expired']);
export type LicenceStatus = z.infer<typeof LicenceStatus>;

/**
 * POST /api/v1/offline/materials/:material_id/license, device-signed. A device holding an active
 * licence for the material gets that same licence back (200) rather than a second one.
 */
export const IssueLicenceRequest = z.object({ device_id: DeviceId, request_nonce: RequestNonce.optional() });
export const LicenceResponse = z.object({
  licence: Licence,
  status: LicenceStatus,
  /** Informational only: a client trusts `statement.server_time`, never this. */
  server_time: IsoDateTime,
  /** Signed server time and this licence's status, bound to the request's `request_nonce`. */
  statement: ServerStatement,
});
export type LicenceResponse = z.infer<typeof LicenceResponse>;

/**
 * POST /api/v1/offline/licenses/:license_id/validate, device-signed: the licence's signed nonce
 * proves which copy is validated. Five failures in a row block the device for an hour
 * (DEVICE_BLOCKED).
 */
export const ValidateLicenceRequest = z.object({
  nonce: text(64),
  request_nonce: RequestNonce.optional(),
});
export const ValidateLicenceResponse = z.object({
  valid: z.literal(true),
  status: LicenceStatus,
  expires_at: IsoDateTime,
  server_time: IsoDateTime,
  statement: ServerStatement,
});
export type ValidateLicenceResponse = z.infer<typeof ValidateLicenceResponse>;

/** POST /api/v1/offline/licenses/:license_id/renew, device-signed: a fresh licence (new expiry and nonce). */
export const RenewLicenceRequest = z.object({
  nonce: text(64),
  request_nonce: RequestNonce.optional(),
});

/** POST /api/v1/offline/licenses/:license_id/return, device-signed: early return frees the slot. */
export const ReturnLicenceRequest = z.object({ request_nonce: RequestNonce.optional() });
export const ReturnLicenceResponse = z.object({
  license_id: LicenceId,
  status: z.literal('returned'),
  server_time: IsoDateTime,
  statement: ServerStatement,
});

/** POST /api/v1/offline/licenses/:license_id/revoke (teacher): takes effect at the device's next sync. */
export const RevokeLicenceRequest = z.object({ reason: storedText(500) });
export const RevokeLicenceResponse = z.object({ license_id: LicenceId, status: z.literal('revoked') });

/**
 * GET /api/v1/offline/materials/:material_id/download, device-signed, with an active licence of that
 * device. Counts against 10 downloads per user per hour (RATE_LIMIT_EXCEEDED). The URL is the server's
 * own, signed and short-lived, and serves the encrypted file with HTTP Range (206) support.
 */
export const DownloadResponse = z.object({
  manifest: Manifest,
  /** Absolute URL; no auth header needed: the signature in it is the authorisation. */
  url: z.url(),
  expires_at: IsoDateTime,
  /** Bytes of the stored (encrypted) file: chunk_count chunks of up to 1 MiB + 16-byte tag. */
  encrypted_size: z.number().int().nonnegative(),
});
export type DownloadResponse = z.infer<typeof DownloadResponse>;

/**
 * POST /api/v1/offline/sync, device-signed: the device says which licences it holds; the server
 * answers each one's state (a revoked or returned one must be dropped) and its time, which feeds the
 * device's secure clock.
 */
export const OfflineSyncRequest = z.object({
  licences: z.array(z.object({ license_id: LicenceId, nonce: text(64) })).max(1000),
  /** Fresh per request; echoed in the signed `statement`, so an old answer cannot be replayed. */
  request_nonce: RequestNonce.optional(),
});
export const OfflineSyncResponse = z.object({
  licences: z.array(
    z.object({
      license_id: LicenceId,
      status: LicenceStatus,
      expires_at: IsoDateTime.nullable(),
    }),
  ),
  /** Informational only: a client trusts `statement`, never these two unsigned fields. */
  server_time: IsoDateTime,
  /** The same states and the server's time, signed and bound to `request_nonce`. */
  statement: ServerStatement,
});
export type OfflineSyncResponse = z.infer<typeof OfflineSyncResponse>;

/** Domain codes of the materials seed's table, plus our own job/material ones. Statuses beside them. */
export const MaterialErrorCode = {
  DEVICE_BLOCKED: 'DEVICE_BLOCKED',
  LICENSE_NOT_FOUND: 'LICENSE_NOT_FOUND',
  LICENSE_EXPIRED: 'LICENSE_EXPIRED',
  LICENSE_REVOKED: 'LICENSE_REVOKED',
  LICENSE_OFFLINE_EXPIRED: 'LICENSE_OFFLINE_EXPIRED',
  MATERIAL_ACCESS_DENIED: 'MATERIAL_ACCESS_DENIED',
  MATERIAL_NOT_FOUND: 'MATERIAL_NOT_FOUND',
  MATERIAL_NOT_READY: 'MATERIAL_NOT_READY',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  DOWNLOAD_URL_INVALID: 'DOWNLOAD_URL_INVALID',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RANGE_NOT_SATISFIABLE: 'RANGE_NOT_SATISFIABLE',
} as const;
export type MaterialErrorCode = (typeof MaterialErrorCode)[keyof typeof MaterialErrorCode];

export const MATERIAL_ERROR_STATUS: Record<MaterialErrorCode, number> = {
  DEVICE_BLOCKED: 429,
  LICENSE_NOT_FOUND: 404,
  LICENSE_EXPIRED: 403,
  LICENSE_REVOKED: 403,
  LICENSE_OFFLINE_EXPIRED: 403,
  MATERIAL_ACCESS_DENIED: 403,
  MATERIAL_NOT_FOUND: 404,
  MATERIAL_NOT_READY: 409,
  RATE_LIMIT_EXCEEDED: 429,
  JOB_NOT_FOUND: 404,
  DOWNLOAD_URL_INVALID: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
};

/** Limits of the materials seed. */
export const DOWNLOADS_PER_USER_PER_HOUR = 10;
export const FAILED_VALIDATIONS_BEFORE_BLOCK = 5;
export const DEVICE_BLOCK_SECONDS = 3600;
/** How long a download URL works: long enough to start, short enough that a leaked one soon dies. */
export const DOWNLOAD_URL_TTL_SECONDS = 15 * 60;

/**
 * GET /api/v1/offline/files/:token (the `url` of DownloadResponse): `token` is
 * base64url(JSON {m: material, d: device, e: expiry in seconds}) "." base64url(HMAC-SHA256).
 */
export const FileParams = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,512}\.[A-Za-z0-9_-]{43}$/, 'a download token')
    // One token, one spelling: a re-spelled copy is not a second valid URL.
    .refine((t) => t.split('.').every(isCanonicalBase64url), 'a download token (canonical base64url)'),
});
/** Not JSON: application/octet-stream, the whole file (200) or one byte range (206). */
export const EncryptedFile = z
  .unknown()
  .describe('application/octet-stream: the encrypted file (200) or the requested byte range (206)');
