import type { AuditBreak } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { auditHash, type AuditRow, type RowKeying } from './chain';
import { rowMacValid } from './key';

/** A row as stored: the chain's fields, its keying, and the hash the database computed. */
export interface StoredRow extends Omit<AuditRow, 'at'>, RowKeying {
  at: Date;
  hash: string;
}

export interface StoredCheckpoint {
  through_id: string;
  hash: string;
  mac: string;
}

export const BATCH = 1000;

/** Up to BATCH rows after id `after`, in chain (id) order. */
export async function rowsAfter(db: Queryable, after: string): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT a.id::text AS id, at, actor_type, actor_id, action, target_type, target_id, details, prev_hash,
       hash, row_mac, row_nonce
     FROM offline_audit_logs a WHERE a.id > $1 ORDER BY a.id LIMIT ${BATCH}`,
    [after],
  );
  return rows;
}

/** Checkpoints with through_id in (after, upTo]; upTo undefined: every one after `after`. */
export async function checkpointsBetween(
  db: Queryable,
  after: string,
  upTo: string | undefined,
): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query<StoredCheckpoint>(
    `SELECT c.through_id::text AS through_id, hash, mac FROM offline_audit_checkpoints c
     WHERE c.through_id > $1 AND ($2::bigint IS NULL OR c.through_id <= $2) ORDER BY c.through_id`,
    [after, upTo ?? null],
  );
  return rows;
}

/** What is wrong with the chain: a code the console translates, and the English for logs and the CLI. */
export interface ChainProblem {
  code: AuditBreak;
  reason: string;
}

/**
 * What is wrong with `row` on its own and as the successor of `prev` (undefined: nothing). A row
 * without a MAC is legacy (written before the log was keyed): the caller decides whether one may
 * stand there.
 */
export function rowProblem(row: StoredRow, prev: string, key: Buffer): ChainProblem | undefined {
  if (row.prev_hash !== prev)
    return {
      code: 'prev_hash_mismatch',
      reason: 'prev_hash does not match the previous row (a row was removed, inserted or reordered)',
    };
  const at = row.at.toISOString();
  if (auditHash({ ...row, at }) !== row.hash)
    return { code: 'hash_mismatch', reason: 'hash does not match the row (its content changed)' };
  if (row.row_mac === null) return undefined;
  if (
    row.row_nonce === null ||
    !rowMacValid(
      key,
      {
        at,
        actor_type: row.actor_type,
        actor_id: row.actor_id,
        action: row.action,
        target_type: row.target_type,
        target_id: row.target_id,
        details: row.details,
        row_nonce: row.row_nonce,
      },
      row.row_mac,
    )
  )
    return {
      code: 'row_mac_mismatch',
      reason:
        'keyed MAC does not match the row (its content changed, and the hashes were recomputed without the key)',
    };
  return undefined;
}

/** This database's instance_id (migration 1795459640657), which anchors are bound to. */
export async function instanceId(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT value #>> '{}' AS id FROM server_meta WHERE key = 'instance_id'",
  );
  return rows[0]?.id ?? '';
}

/** Why `anchor` cannot apply to the database `instance`, if it cannot. */
export function foreignAnchor(anchor: { instance_id: string }, instance: string): ChainProblem | undefined {
  if (anchor.instance_id === instance) return undefined;
  return {
    code: 'anchor_foreign',
    reason:
      `the anchor outside the database belongs to database instance ${anchor.instance_id}, this one is ` +
      `${instance || 'unnamed'}: this data directory served another database (move its anchor aside), ` +
      'or instance_id was changed to escape the anchor',
  };
}
