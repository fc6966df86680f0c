import { z } from 'zod';
import { IsoDateTime, plainText } from './common';
import { HealthFull } from './health';
import { Day, TimeZone } from './sales';

/**
 * The back office's audit log and health at a glance (issue #19, item 10): what the /admin
 * console's Audit page and Home page read. Browser-safe (zod only).
 */

/** Who reads the audit log, runs its verification and sees the server's health: administrator and operations. */
export const OPERATIONS_ROLES = ['pay_admin', 'ops'] as const;

/** The most audit rows one page of GET /offline/audit-log answers. */
export const AUDIT_PAGE_MAX = 200;

/** A dotted action (`policy.changed`), or a prefix of one ending with a dot (`auth.`). */
const ActionFilter = z
  .string()
  .max(100)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/, 'an action such as policy.changed, or a prefix such as auth.');

/** GET /offline/audit-log: filters (all optional), then keyset paging, newest first. */
export const AuditQuery = z
  .object({
    /** The actor's id (a user, a device, a worker) or a user's email. */
    actor: plainText(320).optional(),
    action: ActionFilter.optional(),
    target_type: plainText(64).optional(),
    target_id: plainText(200).optional(),
    /** First day, inclusive, in `tz`. */
    from: Day.optional(),
    /** Last day, inclusive, in `tz`. */
    to: Day.optional(),
    tz: TimeZone.default('UTC'),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `1-${AUDIT_PAGE_MAX}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(AUDIT_PAGE_MAX))
      .default(50),
    /** `next_cursor` of the previous page; opaque. */
    cursor: z.string().max(100).optional(),
  })
  .strict();
export type AuditQuery = z.output<typeof AuditQuery>;

/** One row of the audit chain as the console shows it; `details` holds its before/after, if any. */
export const AuditEntry = z.object({
  id: z.string().regex(/^[1-9][0-9]*$/),
  at: IsoDateTime,
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  /** The acting user's email, when the actor is a user the server knows. */
  actor_email: z.string().nullable(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

/**
 * Why a verification found the chain broken, as a code the console translates (`reason` keeps the
 * server's English sentence, as `npm run audit:verify` prints it).
 */
export const AuditBreak = z.enum([
  'prev_hash_mismatch',
  'hash_mismatch',
  'row_mac_mismatch',
  'checkpoint_forged',
  'unkeyed_after_keyed',
  'unkeyed_uncovered',
  'checkpoint_differs',
  'checkpoint_row_missing',
  'checkpoint_missing',
  'anchor_differs',
  'anchor_row_missing',
  'anchor_foreign',
  'row_replayed',
]);
export type AuditBreak = z.infer<typeof AuditBreak>;

/** POST /offline/audit-log/verify: what `npm run audit:verify` reports, from the same walk. */
export const AuditVerification = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    checked_at: IsoDateTime,
    rows: z.number().int().min(0),
    /** Keyed checkpoints met on the walk, each MAC checked. */
    checkpoints: z.number().int().min(0),
    last_hash: z.string(),
    /** The last row a keyed checkpoint pins (null: none yet); `pending` rows follow it. */
    checkpointed_through: z.string().nullable(),
    pending: z.number().int().min(0),
    /** The row of the anchor kept outside the database that the chain still reaches (null: none checked). */
    anchor_through: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false),
    checked_at: IsoDateTime,
    rows: z.number().int().min(0),
    /** The first row that is wrong, and why. */
    broken_id: z.string(),
    code: AuditBreak,
    reason: z.string(),
  }),
]);
export type AuditVerification = z.infer<typeof AuditVerification>;

const Count = z.number().int().min(0);

/** GET /offline/health/overview: /health/full and what an operator looks at first, from the database. */
export const HealthOverview = HealthFull.extend({
  /** Each worker's last heartbeat (the 20 most recent). */
  workers: z.array(
    z.object({
      worker_id: z.string(),
      kind: z.string(),
      heartbeat_at: IsoDateTime,
      status: z.enum(['running', 'stale']),
    }),
  ),
  reconciliation: z.object({
    /** Accepted bundles waiting for the worker. */
    queued: Count,
    /** Of those, how many failed at least once (retried later). */
    retrying: Count,
    oldest_enqueued_at: IsoDateTime.nullable(),
  }),
  bundles: z.object({ review: Count, quarantined: Count }),
  encryption_jobs: z.object({ queued: Count, running: Count, failed: Count }),
  /** The server's own keys (signing, sealing…) and the newest key-encryption key, with their creation time. */
  keys: z.array(z.object({ kind: z.string(), created_at: IsoDateTime })),
  audit: z.object({
    /** The newest row's id (null: the log is empty). */
    last_id: z.string().nullable(),
    /** The newest keyed checkpoint: the row it pins and when it was written (null: none yet). */
    checkpoint_through: z.string().nullable(),
    checkpoint_at: IsoDateTime.nullable(),
  }),
});
export type HealthOverview = z.infer<typeof HealthOverview>;

export const OperationsErrorCode = {
  /** A verification of the audit chain is running on this server already: ask again when it ends. */
  AUDIT_VERIFY_RUNNING: 'AUDIT_VERIFY_RUNNING',
} as const;
export type OperationsErrorCode = (typeof OperationsErrorCode)[keyof typeof OperationsErrorCode];

export const OPERATIONS_ERROR_STATUS: Record<OperationsErrorCode, number> = {
  AUDIT_VERIFY_RUNNING: 409,
};
