import { SalesErrorCode, type AuditEntry, type AuditPage, type AuditQuery } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { checkTimeZone, decodeCursor, encodeCursor, inTimeZone, salesError } from '../sales/query';

interface Row {
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

/**
 * GET /offline/audit-log (issue #19, item 10): one page of the chain, newest first, keyset-paged on
 * the row id (the chain's order). Every filter is a parameter, never SQL text; migration
 * 1796467233412 indexes the exact ones (actor, action, target, day), so a filter that matches little
 * is not a walk of the log. An action prefix (`auth.`) reads back from the newest row.
 */
export async function auditPage(db: Queryable, query: AuditQuery): Promise<AuditPage> {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to)
    throw salesError(SalesErrorCode.RANGE_INVERTED, '`from` is after `to`', { path: 'from' });
  checkTimeZone(query.tz);
  const sql: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (query.actor !== undefined) {
    const actor = param(query.actor);
    sql.push(
      `(a.actor_id = ${actor} OR a.actor_id = (SELECT id::text FROM users WHERE email = lower(${actor})))`,
    );
  }
  if (query.action !== undefined) {
    const action = param(query.action);
    sql.push(
      query.action.endsWith('.') ? `left(a.action, length(${action})) = ${action}` : `a.action = ${action}`,
    );
  }
  if (query.target_type !== undefined) sql.push(`a.target_type = ${param(query.target_type)}`);
  if (query.target_id !== undefined) sql.push(`a.target_id = ${param(query.target_id)}`);
  if (query.from !== undefined || query.to !== undefined) {
    const tz = param(query.tz);
    if (query.from !== undefined)
      sql.push(`a.at >= (${param(query.from)}::date)::timestamp AT TIME ZONE ${tz}`);
    if (query.to !== undefined)
      sql.push(`a.at < (${param(query.to)}::date + 1)::timestamp AT TIME ZONE ${tz}`);
  }
  if (query.cursor !== undefined) {
    const [id] = decodeCursor(query.cursor);
    sql.push(`a.id < ${param(id)}::bigint`);
  }
  const limit = param(query.limit + 1);
  const { rows } = await inTimeZone(query.tz, () =>
    db.query<Row>(
      `SELECT a.id::text AS id, a.at, a.actor_type, a.actor_id, u.email AS actor_email, a.action,
         a.target_type, a.target_id, a.details
       FROM offline_audit_logs a
       LEFT JOIN users u ON a.actor_type = 'user' AND u.id::text = a.actor_id
       ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''}
       ORDER BY a.id DESC LIMIT ${limit}`,
      values,
    ),
  );
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const entries: AuditEntry[] = page.map((r) => ({ ...r, at: r.at.toISOString() }));
  return { entries, next_cursor: more ? encodeCursor(page[page.length - 1]!.id) : null };
}
