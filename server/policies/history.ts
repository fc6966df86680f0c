import type { PolicyChange, PolicyInput } from '../../protocol/http';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';

interface ChangeRow {
  at: Date;
  actor_email: string | null;
  details: { version: number; before: PolicyInput | null; after: PolicyInput };
}

/**
 * GET /offline/policies/:country/history (issue #19, item 5): the `policy.changed` audit rows
 * upsertPolicy (./store.ts) writes, with the acting user's email. Rows from before the before/after
 * details were recorded carry no `after` and are left out.
 */
export function policyHistoryHandlers(deps: TrustDeps): Pick<Handlers, 'policyHistory'> {
  return {
    policyHistory: async ({ params }) => {
      const { rows } = await deps.pool.query<ChangeRow>(
        `SELECT a.at, u.email AS actor_email, a.details
         FROM offline_audit_logs a LEFT JOIN users u ON a.actor_type = 'user' AND u.id::text = a.actor_id
         WHERE a.action = 'policy.changed' AND a.target_type = 'policy' AND a.target_id = $1
           AND a.details ? 'after'
         ORDER BY a.id DESC LIMIT 100`,
        [params.country],
      );
      const changes: PolicyChange[] = rows.map((row) => ({
        at: row.at.toISOString(),
        actor_email: row.actor_email,
        version: row.details.version,
        before: row.details.before,
        after: row.details.after,
      }));
      return { body: { changes } };
    },
  };
}
