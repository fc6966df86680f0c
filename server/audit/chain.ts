import { createHash } from 'node:crypto';
import { canonicalJson } from '../../protocol/crypto';
import type { Queryable } from '../db/tx';

/** The chain's first prev_hash. */
export const GENESIS_HASH = '0'.repeat(64);

// Any fixed 64-bit number will do; it only has to be the same for every writer.
const AUDIT_LOCK_KEY = 7_209_431_877_020_381n;

export type ActorType = 'user' | 'device' | 'anonymous' | 'system';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  /** Dotted verb, e.g. `auth.sign_in`, `device.registered`, `bundle.accepted`. */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** Plain facts only: never secrets, tokens, keys, passwords or card numbers. */
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
}

/** SHA-256 over the canonical JSON of every field but the hash itself. */
export function auditHash(row: AuditRow): string {
  const value = {
    v: 1,
    id: row.id,
    at: row.at,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    details: row.details,
    prev_hash: row.prev_hash,
  };
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * Appends one entry to the audit chain. Call it with the client of the transaction that does the
 * audited work, so both commit or neither does. The advisory lock serialises writers until that
 * transaction ends: each row links to the one committed before it, and ids follow chain order.
 */
export async function appendAudit(
  client: Queryable,
  entry: AuditEntry,
): Promise<{ id: string; hash: string }> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY.toString()]);
  const last = await client.query<{ hash: string }>(
    'SELECT hash FROM offline_audit_logs ORDER BY id DESC LIMIT 1',
  );
  const next = await client.query<{ id: string }>(
    "SELECT nextval(pg_get_serial_sequence('offline_audit_logs', 'id'))::text AS id",
  );
  const row: AuditRow = {
    id: next.rows[0]!.id,
    // Millisecond precision: what a JS Date carries, so the stored value reads back identically.
    at: new Date().toISOString(),
    actor_type: entry.actorType,
    actor_id: entry.actorId ?? null,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    details: entry.details ?? {},
    prev_hash: last.rows[0]?.hash ?? GENESIS_HASH,
  };
  const hash = auditHash(row);
  await client.query(
    `INSERT INTO offline_audit_logs (id, at, actor_type, actor_id, action, target_type, target_id, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      row.id,
      row.at,
      row.actor_type,
      row.actor_id,
      row.action,
      row.target_type,
      row.target_id,
      JSON.stringify(row.details),
      row.prev_hash,
      hash,
    ],
  );
  return { id: row.id, hash };
}
