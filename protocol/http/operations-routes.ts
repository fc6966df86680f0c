import { AuditQuery } from './operations';
import { TrustErrorCode as E } from './codes';
import { ConsoleErrorCode } from './console';
import { HttpErrorCode as H } from './error';
import {
  AuditPage,
  AuditVerification,
  HealthOverview,
  OPERATIONS_ROLES,
  OperationsErrorCode as O,
} from './operations';
import { SalesErrorCode as S } from './sales';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;

/**
 * The back office's audit log and health at a glance (issue #19, item 10). Spread into ROUTES
 * (./routes.ts), whose `satisfies RouteSpec` checks each entry.
 */
export const OPERATIONS_ROUTES = {
  listAudit: {
    method: 'GET',
    path: '/offline/audit-log',
    query: AuditQuery,
    auth: OPERATIONS_ROLES,
    summary:
      "The audit log, newest first. Query (all optional): `actor` (an actor's id, or a user's email), `action` (exact, or a prefix ending with a dot: `auth.`), `target_type`, `target_id`, `from` and `to` (days YYYY-MM-DD, inclusive, in `tz`: an IANA zone, default UTC), `limit` (1-200, default 50), `cursor` (the previous page's `next_cursor`: keyset paging). Each row with its acting user's email and its `details` (a change's before and after).",
    status: 200,
    response: AuditPage,
    errors: [...bearer, S.TIME_ZONE_UNKNOWN, S.RANGE_INVERTED, S.CURSOR_INVALID],
  },
  verifyAudit: {
    method: 'POST',
    path: '/offline/audit-log/verify',
    auth: OPERATIONS_ROLES,
    summary:
      'Walks the whole audit chain as `npm run audit:verify` does (the same code: hashes, links, keyed MACs, keyed checkpoints, and the anchor this server keeps outside the database) and answers the rows and checkpoints checked, or the first broken row and why. One walk at a time per server: another request meanwhile answers 409 AUDIT_VERIFY_RUNNING. Audited with its result.',
    status: 200,
    response: AuditVerification,
    errors: [...bearer, ConsoleErrorCode.CSRF_REJECTED, O.AUDIT_VERIFY_RUNNING],
  },
  healthOverview: {
    method: 'GET',
    path: '/offline/health/overview',
    auth: OPERATIONS_ROLES,
    summary:
      "What /health/full answers, and what an operator looks at first: each worker's heartbeat, the reconciliation queue and its oldest entry, bundles held for review or quarantined, encryption jobs, the server keys' and key-encryption key's ages, the audit log's newest keyed checkpoint. 503 DB_UNAVAILABLE when the database is down.",
    status: 200,
    response: HealthOverview,
    errors: [...bearer, H.DB_UNAVAILABLE],
  },
} as const;
