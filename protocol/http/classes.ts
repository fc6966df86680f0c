import { z } from 'zod';
import { IsoDateTime, storedText, Uuid } from './common';
import { LicenceId, LicenceStatus, MaterialId } from './materials';

/**
 * A teacher's classes and a material's licences, for the back office's Materials page (issue #19,
 * item 9). A class is a named list of student emails; a material granted to it may be taken by every
 * member, present and future. Teacher only: each teacher sees and changes only their own classes.
 */

export const ClassId = Uuid;
export const ClassParams = z.object({ class_id: ClassId });
export const ClassMaterialParams = z.object({ class_id: ClassId, material_id: MaterialId });

/** At most this many students in one class. */
export const MAX_CLASS_MEMBERS = 1000;
const Emails = z.array(z.email()).max(MAX_CLASS_MEMBERS);

export const ClassRecord = z.object({
  class_id: ClassId,
  name: z.string(),
  /** Lower-case, sorted. */
  members: z.array(z.string()),
  /** The caller's materials granted to the class. */
  material_ids: z.array(MaterialId),
  created_at: IsoDateTime,
});
export type ClassRecord = z.infer<typeof ClassRecord>;

export const ClassList = z.object({ classes: z.array(ClassRecord) });
export type ClassList = z.infer<typeof ClassList>;

/** POST /api/v1/offline/classes: a new class, with its first students (or none). */
export const CreateClassRequest = z.object({ name: storedText(200), emails: Emails.default([]) });

/** POST/DELETE .../classes/:class_id/members: students in or out, by email. */
export const ClassMembersRequest = z.object({ emails: Emails.min(1) });
export const ClassMembersAdded = z.object({ added: z.number().int().nonnegative() });
/**
 * Removing students revokes their live licences of the class's materials that they may no longer
 * take (a direct grant or another class keeps them).
 */
export const ClassMembersRemoved = z.object({
  removed: z.number().int().nonnegative(),
  licenses_revoked: z.number().int().nonnegative(),
});

/**
 * DELETE .../classes/:class_id: the class is gone, and so is what it gave: as when its students are
 * removed from it, their live licences of its materials that they may no longer take are revoked.
 */
export const ClassDeleted = z.object({
  members: z.number().int().nonnegative(),
  materials: z.number().int().nonnegative(),
  licenses_revoked: z.number().int().nonnegative(),
});
export type ClassDeleted = z.infer<typeof ClassDeleted>;

/** POST .../classes/:class_id/materials: grant one of the caller's materials to the class. */
export const ClassGrantRequest = z.object({ material_id: MaterialId });
export const ClassGranted = z.object({ granted: z.boolean() });
/** DELETE .../classes/:class_id/materials/:material_id: what went with the class's grant. */
export const ClassGrantWithdrawn = z.object({ licenses_revoked: z.number().int().nonnegative() });

/** One licence of a material, as its teacher sees it. */
export const MaterialLicenceRecord = z.object({
  license_id: LicenceId,
  user_email: z.string().nullable(),
  device_id: z.string(),
  device_name: z.string().nullable(),
  /** The server's state; a held licence past its expiry reads `expired`. */
  status: LicenceStatus,
  issued_at: IsoDateTime,
  expires_at: IsoDateTime,
  /** How long the laptop may read without reaching the server (from its last check). */
  offline_grace_hours: z.number().int().positive().nullable(),
  revoked_at: IsoDateTime.nullable(),
  revoke_reason: z.string().nullable(),
});
export type MaterialLicenceRecord = z.infer<typeof MaterialLicenceRecord>;
export const MaterialLicenceList = z.object({ licences: z.array(MaterialLicenceRecord) });
export type MaterialLicenceList = z.infer<typeof MaterialLicenceList>;

export const ClassErrorCode = {
  CLASS_NOT_FOUND: 'CLASS_NOT_FOUND',
  CLASS_EXISTS: 'CLASS_EXISTS',
} as const;
export type ClassErrorCode = (typeof ClassErrorCode)[keyof typeof ClassErrorCode];
export const CLASS_ERROR_STATUS: Record<ClassErrorCode, number> = {
  CLASS_NOT_FOUND: 404,
  CLASS_EXISTS: 409,
};
