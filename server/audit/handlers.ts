import { OPERATIONS_ERROR_STATUS, OperationsErrorCode, type AuditVerification } from '../../protocol/http';
import { withTransaction } from '../db/tx';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { appendAudit } from './chain';
import { auditPage } from './log';
import { verifyAuditChain } from './verify';

/**
 * The back office's audit log (issue #19, item 10): its pages, and "verify the chain", which runs
 * verifyAuditChain, the walk `npm run audit:verify` runs, with the anchor this server keeps outside
 * the database. A walk reads the whole log: one at a time per server (this closure's flag), so
 * a user repeating the button, or several at once, cost at most one walk; the others are told so.
 */
export function auditHandlers(deps: TrustDeps): Pick<Handlers, 'listAudit' | 'verifyAudit'> {
  const { pool } = deps;
  let walking = false;
  return {
    listAudit: async ({ query }) => ({ body: await auditPage(pool, query) }),

    verifyAudit: async ({ user }) => {
      if (walking)
        throw new HttpError(
          OPERATIONS_ERROR_STATUS.AUDIT_VERIFY_RUNNING,
          OperationsErrorCode.AUDIT_VERIFY_RUNNING,
          'The audit chain is being verified already; ask again when that ends',
        );
      walking = true;
      let body: AuditVerification;
      try {
        const anchor = deps.audit.checkpoints.anchor;
        const report = await verifyAuditChain(pool, deps.audit.key, anchor ? { anchor } : {});
        const checked_at = new Date().toISOString();
        body = report.ok
          ? {
              ok: true,
              checked_at,
              rows: report.rows,
              checkpoints: report.checkpoints,
              last_hash: report.lastHash,
              checkpointed_through: report.checkpointedThrough,
              pending: report.pending,
              anchor_through: anchor?.through_id ?? null,
            }
          : {
              ok: false,
              checked_at,
              rows: report.rows,
              broken_id: report.brokenId,
              code: report.code,
              reason: report.reason,
            };
      } finally {
        walking = false;
      }
      await withTransaction(pool, (client) =>
        appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'audit.verified',
          targetType: 'audit_log',
          targetId: 'audit_log',
          details: body.ok
            ? { ok: true, rows: body.rows, checkpoints: body.checkpoints }
            : { ok: false, rows: body.rows, broken_id: body.broken_id },
        }),
      );
      return { body };
    },
  };
}
