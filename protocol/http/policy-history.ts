import { z } from 'zod';
import { TrustErrorCode as E } from './codes';
import { IsoDateTime } from './common';
import { PolicyInput } from './policies';
import { PolicyParams } from './back-office';

/**
 * A country policy's changes as the audit log holds them (issue #19, item 5): the console shows who
 * changed what, when, before → after. Read from the audit rows `upsertPolicy` writes, so the history
 * is the audited one, not a second copy that could disagree with it.
 */
export const PolicyChange = z.object({
  at: IsoDateTime,
  /** The user who changed it (their email now; null if that user is gone). */
  actor_email: z.string().nullable(),
  version: z.number().int().positive(),
  /** Null when this change created the policy. */
  before: PolicyInput.nullable(),
  after: PolicyInput,
});
export type PolicyChange = z.infer<typeof PolicyChange>;

/** GET /offline/policies/:country/history: newest first. */
export const PolicyHistory = z.object({ changes: z.array(PolicyChange) });
export type PolicyHistory = z.infer<typeof PolicyHistory>;

/** Spread into ROUTES (./routes.ts). */
export const POLICY_HISTORY_ROUTES = {
  policyHistory: {
    method: 'GET',
    path: '/offline/policies/:country/history',
    auth: ['pay_admin', 'ops'],
    summary:
      "One country's policy changes from the audit log, newest first (at most 100): who, when, the version and its values before → after (`before` null where the change created it). An unknown country has an empty history.",
    params: PolicyParams,
    status: 200,
    response: PolicyHistory,
    errors: [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN],
  },
} as const;
