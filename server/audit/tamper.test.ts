import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/tx';
import { asDatabaseWriter, auditIds as ids, relinkFrom } from '../testing/audit-tamper';
import { startTestServer, TEST_MASTER_SECRET, type TestServer } from '../testing/harness';
import { anchorPath, readAnchor } from './anchor';
import { appendAudit, auditHash, GENESIS_HASH } from './chain';
import { AuditChainBroken, auditCheckpointer } from './checkpoint';
import { auditKeyFrom } from './key';
import { verifyAuditChain } from './verify';

/**
 * Attack tests for issue #16 item 8: someone with write access to the database, and nothing else
 * (no master secret), tries to rewrite the audit history the way the unkeyed chain allowed.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const key = auditKeyFrom(TEST_MASTER_SECRET);

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function serverWith(rows: number): Promise<TestServer> {
  s = await startTestServer();
  for (let i = 0; i < rows; i++) await append(s, i);
  return s;
}

async function append(server: TestServer, i: number) {
  await withTransaction(server.pool, (client) =>
    appendAudit(client, {
      actorType: 'system',
      actorId: 'w-1',
      action: 'bundle.accepted',
      targetType: 'bundle',
      targetId: `b-${i}`,
      details: { amount_minor: 1000 + i },
    }),
  );
}

async function auditVerifyCli(server: TestServer, dataDir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.dbUrl,
        OUTPOST_MASTER_SECRET: TEST_MASTER_SECRET.toString('base64'),
        OUTPOST_DATA_DIR: dataDir,
      },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('audit log against someone who can write the database', () => {
  // One victim under a checkpoint, one after it: the MAC names either, checkpoint or not.
  it.each([
    ['under the last checkpoint', 2],
    ['after the last checkpoint', 7],
  ])(
    'a row %s, rewritten with every unkeyed hash recomputed after it, is named by its keyed MAC',
    async (_where, index) => {
      const server = await serverWith(6);
      await server.trust.auditCheckpoints.run();
      for (let i = 6; i < 10; i++) await append(server, i);
      const victim = (await ids(server))[index]!;
      await asDatabaseWriter(server, () =>
        relinkFrom(server, victim, (r) => ({ ...r, actor_id: 'someone-else', details: { amount_minor: 1 } })),
      );
      const report = await verifyAuditChain(server.pool, key);
      expect(report).toMatchObject({ ok: false, brokenId: victim, code: 'row_mac_mismatch' });
      expect(report.ok === false && report.reason).toMatch(/keyed MAC does not match/);
      await expect(server.trust.auditCheckpoints.run()).rejects.toBeInstanceOf(AuditChainBroken);
    },
  );

  it('a keyed row turned into an unkeyed one (its MAC removed, the chain relinked) is named', async () => {
    const server = await serverWith(5);
    const victim = (await ids(server))[3]!;
    await asDatabaseWriter(server, async () => {
      await server.pool.query(
        'UPDATE offline_audit_logs SET row_mac = NULL, row_nonce = NULL WHERE id = $1',
        [victim],
      );
      await relinkFrom(server, victim, (r) => ({ ...r, details: { amount_minor: 1 } }));
    });
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({ ok: false, brokenId: victim });
  });

  it('a row removed from under a checkpoint, the rest relinked, breaks that checkpoint', async () => {
    const server = await serverWith(8);
    await server.trust.auditCheckpoints.run();
    const all = await ids(server);
    await asDatabaseWriter(server, async () => {
      await server.pool.query('DELETE FROM offline_audit_logs WHERE id = $1', [all[4]]);
      await relinkFrom(server, all[5]!);
    });
    const report = await verifyAuditChain(server.pool, key);
    expect(report).toMatchObject({ ok: false, brokenId: all[7], code: 'checkpoint_differs' });
    expect(report.ok === false && report.reason).toMatch(/differs from its keyed checkpoint/);
    await expect(server.trust.auditCheckpoints.run()).rejects.toBeInstanceOf(AuditChainBroken);
  });

  it('the last rows removed with their checkpoints: the anchor outside the database names the gap', async () => {
    const server = await serverWith(5);
    const dataDir = await mkdtemp(join(tmpdir(), 'outpost-anchor-'));
    const checkpointer = auditCheckpointer({ pool: server.pool, key, anchorFile: anchorPath(dataDir) });
    await checkpointer.run();
    for (let i = 5; i < 9; i++) await append(server, i);
    await checkpointer.run();
    const all = await ids(server);
    const head = all[all.length - 1]!;
    expect(await auditVerifyCli(server, dataDir)).toMatchObject({ code: 0 });

    // Truncate back to the first checkpoint: what is left is a consistent, keyed, checkpointed chain.
    await asDatabaseWriter(server, async () => {
      await server.pool.query('DELETE FROM offline_audit_logs WHERE id > $1', [all[4]]);
      await server.pool.query('DELETE FROM offline_audit_checkpoints WHERE through_id > $1', [all[4]]);
    });
    const anchor = await readAnchor(anchorPath(dataDir), key);
    expect(anchor?.through_id).toBe(head);
    const report = await verifyAuditChain(server.pool, key, { anchor: anchor! });
    expect(report).toMatchObject({ ok: false, brokenId: head, code: 'anchor_row_missing' });
    expect(report.ok === false && report.reason).toMatch(/truncated/);
    const cli = await auditVerifyCli(server, dataDir);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`BROKEN at row id ${head}: `);
    await expect(checkpointer.run()).rejects.toThrow(/truncated/);
  });

  it('changing the database instance_id to escape the anchor is refused', async () => {
    const server = await serverWith(3);
    const dataDir = await mkdtemp(join(tmpdir(), 'outpost-anchor-'));
    const checkpointer = auditCheckpointer({ pool: server.pool, key, anchorFile: anchorPath(dataDir) });
    await checkpointer.run();
    const anchor = (await readAnchor(anchorPath(dataDir), key))!;
    expect(await verifyAuditChain(server.pool, key, { anchor })).toMatchObject({ ok: true, rows: 3 });
    await server.pool.query(
      "UPDATE server_meta SET value = to_jsonb(gen_random_uuid()::text) WHERE key = 'instance_id'",
    );
    const report = await verifyAuditChain(server.pool, key, { anchor });
    expect(report).toMatchObject({ ok: false, brokenId: anchor.through_id, code: 'anchor_foreign' });
    expect(report.ok === false && report.reason).toMatch(/belongs to database instance/);
    await expect(checkpointer.run()).rejects.toThrow(/belongs to database instance/);
  });

  it('rows from before the key are pinned one by one at first start, then a rewrite of one is named', async () => {
    const server = await startTestServer();
    s = server;
    // Legacy rows, as the unkeyed code wrote them: no MAC, no checkpoint yet.
    let prev = GENESIS_HASH;
    for (let i = 1; i <= 5; i++) {
      const row = {
        id: String(i),
        chain: '',
        at: new Date(Date.UTC(2026, 0, i)).toISOString(),
        actor_type: 'user',
        actor_id: `u-${i}`,
        action: 'policy.changed',
        target_type: 'country',
        target_id: 'SN',
        details: { i },
        prev_hash: prev,
      };
      const hash = auditHash(row);
      await server.pool.query(
        `INSERT INTO offline_audit_logs (id, at, actor_type, actor_id, action, target_type, target_id, details,
           prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          row.id,
          row.at,
          row.actor_type,
          row.actor_id,
          row.action,
          row.target_type,
          row.target_id,
          row.details,
          prev,
          hash,
        ],
      );
      prev = hash;
    }
    await server.pool.query("SELECT setval(pg_get_serial_sequence('offline_audit_logs', 'id'), 5)");
    // An unkeyed, unpinned row is exactly what a forger would add.
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({ ok: false, brokenId: '1' });

    expect(await server.trust.auditCheckpoints.run()).toEqual({ through: '5', legacy: 5 });
    const keyed = await server.pool.query<{ details: unknown }>(
      "SELECT details FROM offline_audit_logs WHERE action = 'audit.keyed'",
    );
    expect(keyed.rows).toEqual([{ details: { legacy_rows: 5, through_id: '5', through_hash: prev } }]);
    await append(server, 6);
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({ ok: true, rows: 7 });

    await asDatabaseWriter(server, () => relinkFrom(server, '3', (r) => ({ ...r, actor_id: 'u-9' })));
    const report = await verifyAuditChain(server.pool, key);
    expect(report).toMatchObject({ ok: false, brokenId: '3' });
    expect(report.ok === false && report.reason).toMatch(/differs from its keyed checkpoint/);
  });

  it('a checkpoint forged without the key is named', async () => {
    const server = await serverWith(3);
    await server.trust.auditCheckpoints.run();
    const all = await ids(server);
    await server.pool.query(
      'INSERT INTO offline_audit_checkpoints (through_id, hash, mac) SELECT id, hash, $2 FROM offline_audit_logs WHERE id = $1',
      [all[1], 'f'.repeat(64)],
    );
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({ ok: false, brokenId: all[1] });
  });
});
