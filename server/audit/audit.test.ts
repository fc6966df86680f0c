import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/tx';
import { startTestServer, TEST_MASTER_SECRET, type TestServer } from '../testing/harness';
import { appendAudit } from './chain';
import { auditKeyFrom } from './key';
import { verifyAuditChain } from './verify';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let s: TestServer;
let dataDir: string;
const key = auditKeyFrom(TEST_MASTER_SECRET);
beforeAll(async () => {
  s = await startTestServer();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-audit-'));
});
afterAll(async () => {
  await s?.close();
});

async function auditVerify(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: s.dbUrl,
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

describe('audit log', () => {
  it('stays one linear chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withTransaction(s.pool, (client) =>
          appendAudit(client, {
            actorType: 'system',
            action: 'test.concurrent',
            details: { i, note: 'ünïcode ✓' },
          }),
        ),
      ),
    );
    // A rolled-back append leaves no trace and no gap in the chain.
    await withTransaction(s.pool, async (client) => {
      await appendAudit(client, { actorType: 'system', action: 'test.rolled_back' });
      throw new Error('rollback');
    }).catch(() => undefined);
    const report = await verifyAuditChain(s.pool, key);
    expect(report).toMatchObject({ ok: true, rows: 40 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(s.pool.query("UPDATE offline_audit_logs SET action = 'x'")).rejects.toThrow(/append-only/);
    await expect(s.pool.query('DELETE FROM offline_audit_logs')).rejects.toThrow(/append-only/);
    await expect(s.pool.query('TRUNCATE offline_audit_logs')).rejects.toThrow(/append-only/);
  });

  it('npm run audit:verify passes an intact chain and names a row altered behind our back', async () => {
    const ok = await auditVerify();
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/intact: 40 rows/);

    const { rows } = await s.pool.query<{ id: string; details: unknown }>(
      'SELECT id::text, details FROM offline_audit_logs ORDER BY id OFFSET 17 LIMIT 1',
    );
    const victim = rows[0]!.id;
    // As superuser, with the guard trigger out of the way, as an attacker with DB access would.
    await s.pool.query('ALTER TABLE offline_audit_logs DISABLE TRIGGER offline_audit_logs_no_change');
    try {
      await s.pool.query(`UPDATE offline_audit_logs SET details = '{"i": 999}' WHERE id = $1`, [victim]);
      const broken = await auditVerify();
      expect(broken.code).toBe(1);
      expect(broken.out).toContain(`row id ${victim}:`);
      expect(broken.out).toMatch(/content changed/);
    } finally {
      await s.pool.query('UPDATE offline_audit_logs SET details = $2 WHERE id = $1', [
        victim,
        JSON.stringify(rows[0]!.details),
      ]);
      await s.pool.query('ALTER TABLE offline_audit_logs ENABLE TRIGGER offline_audit_logs_no_change');
    }
    expect((await auditVerify()).code).toBe(0);
  });
});
