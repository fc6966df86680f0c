import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/tx';
import { asDatabaseWriter, relinkFrom } from '../testing/audit-tamper';
import { startTestServer, TEST_MASTER_SECRET, type TestServer } from '../testing/harness';
import { appendAudit } from './chain';
import { auditKeyFrom } from './key';
import { verifyAuditChain } from './verify';

/**
 * Issue #23 item 1: the audit log is one chain per actor (a till, a user, a worker), so tills do
 * not wait for each other, and audit:verify still checks it whole. The attacks are SQL on the real
 * database by someone without the master secret.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const key = auditKeyFrom(TEST_MASTER_SECRET);
const DEVICES = ['dev-a', 'dev-b', 'dev-c', 'dev-d'];

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

function sale(server: TestServer, device: string, i: number) {
  return withTransaction(server.pool, (client) =>
    appendAudit(client, {
      actorType: 'device',
      actorId: device,
      action: 'bundle.accepted',
      targetType: 'bundle',
      targetId: `${device}-b${i}`,
      details: { amount_minor: 100 + i },
    }),
  );
}

/** Four tills pushing at once, 5 sales each, then a checkpoint, then 2 more each. */
async function busyShop(): Promise<TestServer> {
  const server = await startTestServer();
  s = server;
  await Promise.all(
    DEVICES.map(async (d) => {
      for (let i = 0; i < 5; i++) await sale(server, d, i);
    }),
  );
  await server.trust.auditCheckpoints.run();
  await Promise.all(
    DEVICES.map(async (d) => {
      for (let i = 5; i < 7; i++) await sale(server, d, i);
    }),
  );
  return server;
}

async function chainIds(server: TestServer, device: string): Promise<string[]> {
  const { rows } = await server.pool.query<{ id: string }>(
    'SELECT a.id::text AS id FROM offline_audit_logs a WHERE a.chain = $1 ORDER BY a.id',
    [`device:${device}`],
  );
  return rows.map((r) => r.id);
}

describe('the audit log, one chain per actor', () => {
  it('a till appends while another till holds its append uncommitted; the same till waits', async () => {
    const server = await startTestServer();
    s = server;
    const holder = await server.pool.connect();
    try {
      await holder.query('BEGIN');
      await appendAudit(holder, { actorType: 'device', actorId: 'dev-a', action: 'bundle.accepted' });
      // With one lock for the whole log (before #23) this gave up: dev-a's transaction holds it.
      const other = await withTransaction(server.pool, async (client) => {
        await client.query("SET LOCAL lock_timeout = '3s'");
        return appendAudit(client, { actorType: 'device', actorId: 'dev-b', action: 'bundle.accepted' });
      });
      expect(other.id).toMatch(/^[0-9]+$/);
      // Within a chain, appends still take turns: that is what makes id order the commit order.
      await expect(
        withTransaction(server.pool, async (client) => {
          await client.query("SET LOCAL lock_timeout = '200ms'");
          return appendAudit(client, { actorType: 'device', actorId: 'dev-a', action: 'bundle.accepted' });
        }),
      ).rejects.toMatchObject({ code: '55P03' });
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    const { rows } = await server.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'",
    );
    expect(rows[0]!.n).toBe(0);
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({ ok: true });
  });

  it('many tills appending at once verify whole, each chain linked from its first row', async () => {
    const server = await busyShop();
    const report = await verifyAuditChain(server.pool, key);
    expect(report).toMatchObject({ ok: true, pending: 8 });
    for (const d of DEVICES) expect(await chainIds(server, d)).toHaveLength(7);
    const { rows } = await server.pool.query<{ first: string }>(
      `SELECT prev_hash AS first FROM offline_audit_logs a WHERE chain LIKE 'device:%'
       AND id = (SELECT min(id) FROM offline_audit_logs b WHERE b.chain = a.chain)`,
    );
    expect(rows.map((r) => r.first)).toEqual(DEVICES.map(() => '0'.repeat(64)));
  });

  it('a row of one till edited, its chain relinked, is named', async () => {
    const server = await busyShop();
    const victim = (await chainIds(server, 'dev-b'))[2]!;
    await asDatabaseWriter(server, () =>
      relinkFrom(server, victim, (r) => ({ ...r, details: { amount_minor: 1 } })),
    );
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({
      ok: false,
      brokenId: victim,
      code: 'row_mac_mismatch',
    });
  });

  it('a row moved from one till’s chain into another’s, both relinked, is named', async () => {
    const server = await busyShop();
    const moved = (await chainIds(server, 'dev-a'))[6]!;
    await asDatabaseWriter(server, async () => {
      await server.pool.query("UPDATE offline_audit_logs SET chain = 'device:dev-c' WHERE id = $1", [moved]);
      await relinkFrom(server, moved);
    });
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({
      ok: false,
      brokenId: moved,
      code: 'row_mac_mismatch',
    });
  });

  it('two rows of a till swapped under its checkpoint, relinked, break that checkpoint', async () => {
    const server = await busyShop();
    const ids = await chainIds(server, 'dev-c');
    await asDatabaseWriter(server, async () => {
      // Their contents trade places (each keeps a valid MAC: it covers content, not place).
      await server.pool.query('UPDATE offline_audit_logs SET id = -id WHERE id = $1', [ids[1]]);
      await server.pool.query('UPDATE offline_audit_logs SET id = $1 WHERE id = $2', [ids[1], ids[2]]);
      await server.pool.query('UPDATE offline_audit_logs SET id = $1 WHERE id = $2', [ids[2], `-${ids[1]}`]);
      await relinkFrom(server, ids[1]!);
    });
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({
      ok: false,
      brokenId: ids[4],
      code: 'checkpoint_differs',
    });
  });

  it('a row inserted into a till’s chain, relinked, is named', async () => {
    const server = await busyShop();
    const ids = await chainIds(server, 'dev-d');
    await asDatabaseWriter(server, async () => {
      await server.pool.query(
        `INSERT INTO offline_audit_logs (id, chain, at, actor_type, actor_id, action, target_type, target_id,
           details, prev_hash, hash, row_mac, row_nonce)
         SELECT nextval(pg_get_serial_sequence('offline_audit_logs', 'id')), chain, at, actor_type, actor_id,
           'bundle.refunded', target_type, target_id, details, prev_hash, md5(random()::text), row_mac,
           md5(random()::text)
         FROM offline_audit_logs WHERE id = $1`,
        [ids[6]],
      );
      await relinkFrom(server, ids[6]!);
    });
    const forged = (await chainIds(server, 'dev-d'))[7]!;
    expect(await verifyAuditChain(server.pool, key)).toMatchObject({
      ok: false,
      brokenId: forged,
      code: 'row_mac_mismatch',
    });
  });

  it('a till’s whole chain removed with its checkpoint is named by the gap, and by audit:verify', async () => {
    const server = await busyShop();
    // Not the newest checkpoint (the anchor holds that one): one in the middle of the numbering.
    const { rows } = await server.pool.query<{ chain: string; next: string }>(
      `SELECT c.chain, (SELECT n.through_id::text FROM offline_audit_checkpoints n WHERE n.seq > c.seq
         ORDER BY n.seq LIMIT 1) AS next
       FROM offline_audit_checkpoints c WHERE c.chain LIKE 'device:%' AND c.seq < (SELECT max(seq) FROM offline_audit_checkpoints)
       ORDER BY c.seq LIMIT 1`,
    );
    const { chain, next } = rows[0]!;
    await asDatabaseWriter(server, async () => {
      await server.pool.query('DELETE FROM offline_audit_logs WHERE chain = $1', [chain]);
      await server.pool.query('DELETE FROM offline_audit_checkpoints WHERE chain = $1', [chain]);
      await server.pool.query('DELETE FROM offline_audit_heads WHERE chain = $1', [chain]);
    });
    const report = await verifyAuditChain(server.pool, key);
    expect(report).toMatchObject({ ok: false, brokenId: next, code: 'checkpoint_missing' });

    const cli = await run(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.dbUrl,
        OUTPOST_MASTER_SECRET: TEST_MASTER_SECRET.toString('base64'),
        OUTPOST_DATA_DIR: '/nonexistent-outpost-anchor-dir',
      },
    }).then(
      () => ({ code: 0, out: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`BROKEN at row id ${next}: keyed checkpoint number`);
  });
});
