import { z } from 'zod';
import { Country, DeviceId, IsoDateTime, storedText, TenantType, Uuid } from './common';
import type { CatalogErrorCode } from './catalog-admin';
import { DeviceRecord } from './devices';
import { Policy } from './policies';

/**
 * The back office's server side (issue #19, items 4 and 5): enrollment codes, tills, laptops and
 * one country's policy, as the /admin console and an operator's scripts read and change them.
 */

// ---- Enrollment codes ----

export const ENROLLMENT_CODE_STATES = ['unused', 'expired', 'redeemed', 'revoked'] as const;

/** An issued enrollment code as listed (never the code itself: only its keyed hash is stored). */
export const EnrollmentCodeRecord = z.object({
  id: Uuid,
  label: z.string().nullable(),
  tenant_type: TenantType,
  tenant_id: z.string(),
  country: z.string(),
  currency_default: z.string(),
  state: z.enum(ENROLLMENT_CODE_STATES),
  created_at: IsoDateTime,
  expires_at: IsoDateTime,
  redeemed_at: IsoDateTime.nullable(),
  redeemed_device_id: z.string().nullable(),
  revoked_at: IsoDateTime.nullable(),
});
export type EnrollmentCodeRecord = z.infer<typeof EnrollmentCodeRecord>;

/** GET /offline/enrollment-codes: codes not redeemed (unused, expired or revoked), newest first. */
export const EnrollmentCodeList = z.object({ codes: z.array(EnrollmentCodeRecord) });
export type EnrollmentCodeList = z.infer<typeof EnrollmentCodeList>;

export const EnrollmentCodeParams = z.object({ code_id: Uuid });

// ---- Tills (POS terminals) ----

/** A POS terminal as the back office lists it: its standing and what the server holds from it. */
export const TillRecord = z.object({
  device_id: DeviceId,
  name: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
  tenant_type: TenantType,
  tenant_id: z.string(),
  country: z.string().nullable(),
  created_at: IsoDateTime,
  /** Its last check-in, pull or push the server answered. */
  last_seen_at: IsoDateTime.nullable(),
  revoked_at: IsoDateTime.nullable(),
  /** Highest sale sequence number the server holds from it (0: none yet). */
  last_seq: z.number().int().min(0),
  /** Bundles accepted and waiting for reconciliation. */
  pending_bundles: z.number().int().min(0),
  /** Bundles held for a person's decision (GET /offline/review). */
  held_bundles: z.object({ review: z.number().int().min(0), quarantined: z.number().int().min(0) }),
  /**
   * The till's clock minus the server's at its last check-in or pull, in
   * milliseconds; null before its first one.
   */
  clock_offset_ms: z.number().int().nullable(),
});
export type TillRecord = z.infer<typeof TillRecord>;

export const TillList = z.object({ tills: z.array(TillRecord) });
export type TillList = z.infer<typeof TillList>;

export const TillParams = z.object({ device_id: DeviceId });

/** POST /offline/tills/:device_id/revoke: why (kept in the audit log). */
export const RevokeTillRequest = z.object({ reason: storedText(500) });

// ---- Laptops (devices users registered for materials) ----

export const LaptopRecord = DeviceRecord.extend({ user_email: z.string() });
export type LaptopRecord = z.infer<typeof LaptopRecord>;

/** GET /offline/laptops: every laptop, or one user's with `?user_id=`. */
export const LaptopList = z.object({ laptops: z.array(LaptopRecord) });
export type LaptopList = z.infer<typeof LaptopList>;

export const LaptopQuery = z.object({ user_id: Uuid.optional() }).strict();

/** DELETE /offline/laptops/:device_id: the laptop and how many of its licences were revoked. */
export const LaptopDeregistered = z.object({
  device: DeviceRecord,
  licenses_revoked: z.number().int().min(0),
});

// ---- Policies ----

export const PolicyParams = z.object({ country: Country });

/** GET /offline/policies/:country. */
export const PolicyAnswer = Policy;

export const BackOfficeErrorCode = {
  ENROLLMENT_CODE_NOT_FOUND: 'ENROLLMENT_CODE_NOT_FOUND',
  /** No POS till with this id, or it is already revoked. */
  TILL_NOT_FOUND: 'TILL_NOT_FOUND',
  /** No laptop with this id, or it is already deregistered. */
  LAPTOP_NOT_FOUND: 'LAPTOP_NOT_FOUND',
  POLICY_NOT_FOUND: 'POLICY_NOT_FOUND',
} as const;
export type BackOfficeErrorCode = (typeof BackOfficeErrorCode)[keyof typeof BackOfficeErrorCode];

/** Statuses of the back office's codes (issue #19), the catalog's included. */
export const BACK_OFFICE_ERROR_STATUS: Record<BackOfficeErrorCode | CatalogErrorCode, number> = {
  ENROLLMENT_CODE_NOT_FOUND: 404,
  TILL_NOT_FOUND: 404,
  LAPTOP_NOT_FOUND: 404,
  POLICY_NOT_FOUND: 404,
  CATALOG_CSV_INVALID: 400,
  CATALOG_ITEM_NOT_FOUND: 404,
  CATEGORY_NOT_FOUND: 409,
  CATEGORY_IN_USE: 409,
  QUICK_KEY_TAKEN: 409,
};
