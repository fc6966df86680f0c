import { auditHash, GENESIS_HASH } from '../audit/chain';
import type { StoredRow } from '../audit/rows';
import type { TestServer } from './harness';

/**
 * What someone with write access to the database (and nothing else: no master secret) does to the
 * audit log, for the attack tests (server/audit/tamper.test.ts, the console's verification).
 */

/** A row as the database holds it, without its keying (what the old, unkeyed code wrote). */
export type StoredAuditRow = Omit<StoredRow, 'row_mac' | 'row_nonce'>;

export async function auditIds(server: TestServer): Promise<string[]> {
  const { rows } = await server.pool.query<{ id: string }>(
    'SELECT a.id::text AS id FROM offline_audit_logs a ORDER BY a.id',
  );
  return rows.map((r) => r.id);
}

/** What a superuser can do: switch the append-only guards off. */
export async function asDatabaseWriter(server: TestServer, attack: () => Promise<void>) {
  for (const t of ['offline_audit_logs', 'offline_audit_checkpoints'])
    await server.pool.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
  try {
    await attack();
  } finally {
    for (const t of ['offline_audit_logs', 'offline_audit_checkpoints'])
      await server.pool.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  }
}

/**
 * The old code's recipe: relink every row of `fromId`'s chain from it on (after `edit` changed that
 * row) and recompute its unkeyed SHA-256 hash, so the plain chain is consistent again.
 */
export async function relinkFrom(
  server: TestServer,
  fromId: string,
  edit: (row: StoredAuditRow) => StoredAuditRow = (r) => r,
) {
  const { rows } = await server.pool.query<StoredAuditRow>(
    `SELECT a.id::text AS id, a.chain, at, actor_type, actor_id, action, target_type, target_id, details,
       prev_hash, hash
     FROM offline_audit_logs a
     WHERE a.chain = (SELECT chain FROM offline_audit_logs WHERE id = $1) ORDER BY a.id`,
    [fromId],
  );
  let prev = GENESIS_HASH;
  for (const original of rows) {
    if (BigInt(original.id) < BigInt(fromId)) {
      prev = original.hash;
      continue;
    }
    const row = original.id === fromId ? edit(original) : original;
    const hash = auditHash({ ...row, at: row.at.toISOString(), prev_hash: prev });
    await server.pool.query(
      'UPDATE offline_audit_logs SET actor_id = $2, details = $3, prev_hash = $4, hash = $5 WHERE id = $1',
      [row.id, row.actor_id, JSON.stringify(row.details), prev, hash],
    );
    prev = hash;
  }
}
