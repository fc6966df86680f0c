import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPage, AuditVerification, HealthOverview } from '../../protocol/http';
import { withTransaction } from '../db/tx';
import { asDatabaseWriter, auditIds, relinkFrom } from '../testing/audit-tamper';
import { fromConsole, signedInAs } from '../testing/console-browser';
import { startTestServer, type TestServer } from '../testing/harness';
import { appendAudit } from './chain';

/**
 * The back office's audit log and health (issue #19, item 10), on a real server and PostgreSQL:
 * the page's filters and paging, "verify the chain" (the walk audit:verify runs) against someone who
 * rewrote a row in the database, its one-walk-at-a-time bound, and who may call any of it.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;

async function append(actorId: string, action: string, targetId: string, details: Record<string, unknown>) {
  return withTransaction(s.pool, (client) =>
    appendAudit(client, { actorType: 'user', actorId, action, targetType: 'policy', targetId, details }),
  );
}

describe('the audit log page', () => {
  it('pages newest first and filters by actor (id or email), action, target and day', async () => {
    const admin = await signedInAs(s, ['pay_admin']);
    const other = await signedInAs(s, ['ops']);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++)
      mine.push(
        (await append(admin.id, 'policy.changed', 'SN', { before: { v: i }, after: { v: i + 1 } })).id,
      );
    await append(other.id, 'policy.changed', 'CI', { after: { v: 1 } });

    const first = await fromConsole(
      s,
      other,
      'GET',
      `/offline/audit-log?actor=${admin.user.email}&action=policy.changed&limit=2`,
    );
    expect(first.status, first.text).toBe(200);
    const p1 = first.body as AuditPage;
    expect(p1.entries.map((e) => e.id)).toEqual([mine[4], mine[3]]);
    expect(p1.entries[0]).toMatchObject({
      actor_email: admin.user.email,
      action: 'policy.changed',
      target_type: 'policy',
      target_id: 'SN',
      details: { before: { v: 4 }, after: { v: 5 } },
    });
    const rest: string[] = [];
    for (let cursor = p1.next_cursor; cursor !== null;) {
      const page = (
        await fromConsole(
          s,
          other,
          'GET',
          `/offline/audit-log?actor=${admin.id}&action=policy.changed&limit=2&cursor=${cursor}`,
        )
      ).body as AuditPage;
      rest.push(...page.entries.map((e) => e.id));
      cursor = page.next_cursor;
    }
    expect(rest).toEqual([mine[2], mine[1], mine[0]]);

    const byTarget = (
      await fromConsole(s, other, 'GET', '/offline/audit-log?target_type=policy&target_id=CI')
    ).body as AuditPage;
    expect(byTarget.entries.map((e) => e.actor_id)).toEqual([other.id]);
    const byPrefix = (
      await fromConsole(s, other, 'GET', `/offline/audit-log?action=policy.&actor=${other.id}`)
    ).body as AuditPage;
    expect(byPrefix.entries).toHaveLength(1);
    const noAction = (
      await fromConsole(s, other, 'GET', `/offline/audit-log?action=policy&actor=${other.id}`)
    ).body as AuditPage;
    expect(noAction.entries).toHaveLength(0);

    // Days are the user's: today in Kiritimati (UTC+14) is not yesterday's UTC.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati' }).format(new Date());
    const inZone = (
      await fromConsole(
        s,
        other,
        'GET',
        `/offline/audit-log?actor=${admin.id}&action=policy.changed&from=${today}&to=${today}&tz=Pacific/Kiritimati`,
      )
    ).body as AuditPage;
    expect(inZone.entries).toHaveLength(5);
    const before = (
      await fromConsole(
        s,
        other,
        'GET',
        `/offline/audit-log?actor=${admin.id}&to=2020-01-01&tz=Pacific/Kiritimati`,
      )
    ).body as AuditPage;
    expect(before.entries).toHaveLength(0);
  });

  it('answers malformed filters with their own codes, never a 5xx', async () => {
    const ops = await signedInAs(s, ['ops']);
    const cases: [string, string][] = [
      ['from=2026-02-02&to=2026-01-01', 'RANGE_INVERTED'],
      ['tz=Mars/Olympus', 'TIME_ZONE_UNKNOWN'],
      ['cursor=bm90LWEtY3Vyc29y', 'CURSOR_INVALID'],
      ["action=x'%20OR%201=1", 'VALIDATION_FAILED'],
      ['limit=500', 'VALIDATION_FAILED'],
      ['sort=id', 'VALIDATION_FAILED'],
    ];
    for (const [query, expected] of cases) {
      const res = await fromConsole(s, ops, 'GET', `/offline/audit-log?${query}`);
      expect([query, res.status, code(res)]).toEqual([query, 400, expected]);
    }
  });
});

describe('health at a glance', () => {
  it('answers the database, workers, queues, held bundles, key ages and the newest checkpoint', async () => {
    const ops = await signedInAs(s, ['pay_admin']);
    await s.pool.query(
      `INSERT INTO worker_heartbeats (worker_id, kind, heartbeat_at) VALUES
         ('w-now', 'reconcile', now()), ('w-old', 'reconcile', now() - interval '1 hour')`,
    );
    await s.trust.auditCheckpoints.run();
    const res = await fromConsole(s, ops, 'GET', '/offline/health/overview');
    expect(res.status, res.text).toBe(200);
    const health = res.body as HealthOverview;
    expect(health).toMatchObject({
      status: 'ok',
      database: { status: 'connected' },
      reconciliation: { queued: 0, retrying: 0, oldest_enqueued_at: null },
      bundles: { review: 0, quarantined: 0 },
    });
    expect(health.workers.map((w) => [w.worker_id, w.status])).toEqual([
      ['w-now', 'running'],
      ['w-old', 'stale'],
    ]);
    const { rows } = await s.pool.query<{ kind: string }>('SELECT kind FROM server_keys ORDER BY kind');
    expect(health.keys.map((k) => k.kind)).toEqual(expect.arrayContaining(rows.map((r) => r.kind)));
    expect(health.audit.checkpoint_through).toBe(health.audit.last_id);
  });
});

describe('verify the chain from the console', () => {
  it('needs the CSRF token: a cross-site post runs nothing', async () => {
    const admin = await signedInAs(s, ['pay_admin']);
    const res = await s.call('POST', '/offline/audit-log/verify', {
      headers: { cookie: admin.cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('CSRF_REJECTED');
  });

  it('runs one walk at a time per server: a second request meanwhile is told so at once', async () => {
    const ops = await signedInAs(s, ['ops']);
    const locker = await s.pool.connect();
    let first: Promise<{ status: number; body: unknown }> | undefined;
    try {
      // Hold the log so the first walk waits inside its first read.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE offline_audit_logs IN ACCESS EXCLUSIVE MODE');
      first = fromConsole(s, ops, 'POST', '/offline/audit-log/verify');
      const waiting = () =>
        s.pool
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE '%offline_audit_logs%' AND pid <> pg_backend_pid()`,
          )
          .then((r) => r.rows[0]!.n);
      while ((await waiting()) === 0) await new Promise((r) => setTimeout(r, 20));

      let settled = false;
      const second = fromConsole(s, ops, 'POST', '/offline/audit-log/verify').finally(() => {
        settled = true;
      });
      // Without the bound, the second walk would queue behind the lock as well: fail on seeing it.
      while (!settled) {
        expect(await waiting(), 'a second walk started').toBeLessThan(2);
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await second;
      expect(res.status).toBe(409);
      expect(code(res)).toBe('AUDIT_VERIFY_RUNNING');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await first!).status).toBe(200);
    // And once it has ended, the next one runs.
    expect((await fromConsole(s, ops, 'POST', '/offline/audit-log/verify')).status).toBe(200);
  });

  it('reports the rows and checkpoints checked, then names the row someone rewrote in the database', async () => {
    const admin = await signedInAs(s, ['pay_admin']);
    for (let i = 0; i < 4; i++) await append(admin.id, 'policy.changed', 'SN', { after: { v: i } });
    await s.trust.auditCheckpoints.run();
    await append(admin.id, 'policy.changed', 'SN', { after: { v: 9 } });

    const ok = await fromConsole(s, admin, 'POST', '/offline/audit-log/verify');
    expect(ok.status, ok.text).toBe(200);
    const report = ok.body as AuditVerification;
    const all = await auditIds(s);
    expect(report).toMatchObject({ ok: true, checkpointed_through: expect.any(String) as string });
    // Every row up to the walk (the verification's own audit row comes after it).
    expect(report.ok && report.rows).toBe(all.length - 1);
    expect(report.ok && report.checkpoints).toBeGreaterThanOrEqual(1);
    expect(report.ok && report.anchor_through).toBe(report.ok && report.checkpointed_through);

    // Someone with the database, not the master secret: one row's details changed, hashes redone.
    const victim = all[all.length - 3]!;
    await asDatabaseWriter(s, () => relinkFrom(s, victim, (r) => ({ ...r, details: { after: { v: 0 } } })));
    const broken = await fromConsole(s, admin, 'POST', '/offline/audit-log/verify');
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false, broken_id: victim, code: 'row_mac_mismatch' });
    expect((broken.body as { reason: string }).reason).toMatch(/keyed MAC does not match/);

    // The verification itself is in the log, with its result.
    const page = (await fromConsole(s, admin, 'GET', '/offline/audit-log?action=audit.verified&limit=1'))
      .body as AuditPage;
    expect(page.entries[0]).toMatchObject({
      actor_id: admin.id,
      details: { ok: false, broken_id: victim },
    });
  });
});
