import type { Queryable } from '../db/tx';
import { auditHash, GENESIS_HASH, type AuditRow } from './chain';

export type ChainReport =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; brokenId: string; reason: string };

interface StoredRow extends Omit<AuditRow, 'at'> {
  at: Date;
  hash: string;
}

const BATCH = 1000;

/** Walks the whole chain in id order and reports the first row whose hash or link is wrong. */
export async function verifyAuditChain(db: Queryable): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let after = '0';
  let count = 0;
  for (;;) {
    const { rows } = await db.query<StoredRow>(
      `SELECT a.id::text AS id, at, actor_type, actor_id, action, target_type, target_id, details, prev_hash, hash
       FROM offline_audit_logs a WHERE a.id > $1 ORDER BY a.id LIMIT ${BATCH}`,
      [after],
    );
    for (const row of rows) {
      count++;
      if (row.prev_hash !== prev) {
        return {
          ok: false,
          rows: count,
          brokenId: row.id,
          reason: 'prev_hash does not match the previous row (a row was removed, inserted or reordered)',
        };
      }
      const expected = auditHash({ ...row, at: row.at.toISOString() });
      if (expected !== row.hash) {
        return {
          ok: false,
          rows: count,
          brokenId: row.id,
          reason: 'hash does not match the row (its content changed)',
        };
      }
      prev = row.hash;
      after = row.id;
    }
    if (rows.length < BATCH) return { ok: true, rows: count, lastHash: prev };
  }
}
