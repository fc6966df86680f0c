import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { createPool } from '../db/pool';
import { migrate, MIGRATIONS_DIR } from '../db/migrate';
import { withTransaction } from '../db/tx';
import { asDatabaseWriter, relinkFrom } from '../testing/audit-tamper';
import type { TestServer } from '../testing/harness';
import { appendAudit, auditStatement, type AuditEntry } from './chain';
import { auditCheckpointer } from './checkpoint';
import { checkpointMac, installAuditKey } from './key';
import { verifyAuditChain } from './verify';

/**
 * A log written by the single-chain server (keyed rows and checkpoints, before migration
 * 1796489121697) upgraded to one chain per actor: it verifies as it did, new rows go to their
 * chains, and a rewrite of an old row is still named.
 */
const CHAINS_MIGRATION = '1796489121697_audit-chains.sql';
const key = installAuditKey(randomBytes(32));
let pool: ReturnType<typeof createPool>;
let oldDir: string;

beforeAll(async () => {
  pool = createPool(await freshDatabase());
  oldDir = mkdtempSync(join(tmpdir(), 'outpost-old-migrations-'));
  cpSync(MIGRATIONS_DIR, oldDir, {
    recursive: true,
    filter: (src) => !src.endsWith('.sql') || src.split('/').pop()! < CHAINS_MIGRATION,
  });
  await migrate(pool, { dir: oldDir });
});
afterAll(async () => {
  await pool?.end();
  rmSync(oldDir, { recursive: true, force: true });
});

/** What the single-chain server sent: the same template and MAC, no chain argument. */
async function oldAppend(entry: AuditEntry): Promise<{ id: string; hash: string }> {
  const { values } = auditStatement({ ...entry, chain: '' });
  const { rows } = await pool.query<{ id: string; hash: string }>(
    'SELECT audit_id::text AS id, audit_hash AS hash FROM offline_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
    values.slice(1),
  );
  return rows[0]!;
}

describe('an audit log from before chains, upgraded', () => {
  it('verifies, takes new rows in their chains, and still names a rewritten old row', async () => {
    const old: { id: string; hash: string }[] = [];
    for (let i = 0; i < 4; i++)
      old.push(
        await oldAppend({ actorType: 'user', actorId: `u-${i}`, action: 'policy.changed', details: { i } }),
      );
    // The old checkpointer's keyed checkpoint (no chain, no number) of the chain's head.
    const head = old[old.length - 1]!;
    await pool.query('INSERT INTO offline_audit_checkpoints (through_id, hash, mac) VALUES ($1, $2, $3)', [
      head.id,
      head.hash,
      checkpointMac(key, { chain: '', through_id: head.id, hash: head.hash, seq: null }),
    ]);
    await oldAppend({ actorType: 'device', actorId: 'dev-1', action: 'bundle.accepted' });

    await migrate(pool);
    expect(await verifyAuditChain(pool, key)).toMatchObject({ ok: true, rows: 5, pending: 1 });
    for (const d of ['dev-1', 'dev-2'])
      await withTransaction(pool, (client) =>
        appendAudit(client, { actorType: 'device', actorId: d, action: 'bundle.accepted' }),
      );
    await auditCheckpointer({ pool, key }).run();
    expect(await verifyAuditChain(pool, key)).toMatchObject({ ok: true, rows: 7, pending: 0 });

    const server = { pool } as unknown as TestServer;
    await asDatabaseWriter(server, () => relinkFrom(server, old[1]!.id, (r) => ({ ...r, actor_id: 'u-9' })));
    expect(await verifyAuditChain(pool, key)).toMatchObject({ ok: false, brokenId: old[1]!.id });
  });
});
