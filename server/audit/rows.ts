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
  chain: string;
  through_id: string;
  hash: string;
  seq: string | null;
  mac: string;
}

export const BATCH = 1000;

/** A place in the walk: chains in name order, each in id (= its commit) order. */
export interface WalkKey {
  chain: string;
  id: string;
}

/** Before every row (no chain name sorts before it, '' included, as '' > NULL is not true). */
export const WALK_START: WalkKey = { chain: '', id: '0' };

const ROW_COLUMNS = `a.id::text AS id, chain, at, actor_type, actor_id, action, target_type, target_id, details,
  prev_hash, hash, row_mac, row_nonce`;

/** Up to BATCH rows after `after`, chain by chain. */
export async function rowsAfter(db: Queryable, after: WalkKey): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT ${ROW_COLUMNS} FROM offline_audit_logs a
     WHERE (a.chain, a.id) > ($1, $2::bigint) ORDER BY a.chain, a.id LIMIT ${BATCH}`,
    [after.chain, after.id],
  );
  return rows;
}

/** Up to BATCH rows of one chain after id `after`. */
export async function chainRowsAfter(db: Queryable, chain: string, after: string): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT ${ROW_COLUMNS} FROM offline_audit_logs a
     WHERE a.chain = $1 AND a.id > $2 ORDER BY a.id LIMIT ${BATCH}`,
    [chain, after],
  );
  return rows;
}

const CHECKPOINT_COLUMNS = 'c.chain, c.through_id::text AS through_id, c.hash, c.seq::text AS seq, c.mac';

/** Checkpoints in (after, upTo] in walk order; upTo undefined: every one after `after`. */
export async function checkpointsBetween(
  db: Queryable,
  after: WalkKey,
  upTo: WalkKey | undefined,
): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query<StoredCheckpoint>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM offline_audit_checkpoints c
     WHERE (c.chain, c.through_id) > ($1, $2::bigint)
       AND ($3::text IS NULL OR (c.chain, c.through_id) <= ($3, $4::bigint))
     ORDER BY c.chain, c.through_id`,
    [after.chain, after.id, upTo?.chain ?? null, upTo?.id ?? null],
  );
  return rows;
}

/** The newest checkpoint of `chain`, if any. */
export async function lastCheckpoint(db: Queryable, chain: string): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query<StoredCheckpoint>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM offline_audit_checkpoints c
     WHERE c.chain = $1 ORDER BY c.through_id DESC LIMIT 1`,
    [chain],
  );
  return rows[0];
}

/**
 * The first checkpoint number missing from 1…max(seq), and the checkpoint after it: a checkpoint
 * was removed (perhaps with every row of the chain it pinned). Undefined: none missing.
 */
export async function checkpointGap(db: Queryable): Promise<{ seq: string; next: string } | undefined> {
  const { rows } = await db.query<{ seq: string; next: string }>(
    `SELECT g.seq::text AS seq, (SELECT c.through_id::text FROM offline_audit_checkpoints c
       WHERE c.seq > g.seq ORDER BY c.seq LIMIT 1) AS next
     FROM (SELECT s AS seq FROM generate_series(1::bigint,
       (SELECT coalesce(max(seq), 0) FROM offline_audit_checkpoints)) s
       WHERE (SELECT count(seq) FROM offline_audit_checkpoints) < (SELECT coalesce(max(seq), 0) FROM offline_audit_checkpoints)
         AND NOT EXISTS (SELECT 1 FROM offline_audit_checkpoints c WHERE c.seq = s)
       ORDER BY s LIMIT 1) g`,
  );
  return rows[0];
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
        chain: row.chain,
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
