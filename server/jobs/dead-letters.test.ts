import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterList, UploadMaterialResponse } from '../../protocol/http';
import { runLedgerCheck } from '../sales/ledger-check';
import { enrollTerminal, push, SN_POLICY } from '../payments/test-support';
import { startTestServer, type TestServer } from '../testing/harness';
import { encryptPending, fakePdf, uploadMaterial } from '../testing/materials';
import { RECONCILE_BACKOFF } from '../worker/backoff';
import { reconcileNext, type WorkerHooks } from '../worker/reconcile';

/**
 * Job queues with backoff, a retry cap and dead letters (issue #23, item 4), on the real PostgreSQL:
 * the real worker, the real routes, the real concurrent claims. Time is moved by making a job due
 * (run_after = now()), never by waiting.
 */
let s: TestServer;
let admin: string;
let ops: string;
let teacher: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('jobs-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('jobs-ops@example.com', ['ops'])).token;
  teacher = (await s.user('jobs-teacher@school.test', ['teacher'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

async function acceptedBundle(): Promise<{ bundleId: string; deviceId: string }> {
  const t = await enrollTerminal(s, admin);
  const bundle = await t.bundle([t.sale({ price: 2_000, tax: 0 })]);
  expect((await push(s, bundle)).body.status).toBe('accepted');
  return { bundleId: bundle.bundle_id, deviceId: bundle.device_id };
}

interface QueueRow {
  attempts: number;
  last_error: string | null;
  dead: boolean;
  /** Seconds from now to the job's next run. */
  wait: number;
}
async function queued(bundleId: string): Promise<QueueRow | undefined> {
  const { rows } = await s.pool.query<QueueRow>(
    `SELECT attempts, last_error, dead_at IS NOT NULL AS dead,
       extract(epoch FROM run_after - now())::float8 AS wait
     FROM offline_reconciliation_queue WHERE bundle_id = $1`,
    [bundleId],
  );
  return rows[0];
}
const makeDue = (bundleId: string) =>
  s.pool.query('UPDATE offline_reconciliation_queue SET run_after = now() WHERE bundle_id = $1', [bundleId]);

async function deadLetters(token = ops): Promise<DeadLetter[]> {
  const res = await s.call('GET', '/offline/jobs/dead-letters', { token });
  expect(res.status).toBe(200);
  return (res.body as DeadLetterList).dead_letters;
}
const auditCount = async (action: string, targetId: string) =>
  (
    await s.pool.query('SELECT 1 FROM offline_audit_logs WHERE action = $1 AND target_id = $2', [
      action,
      targetId,
    ])
  ).rowCount;

describe('the reconciliation queue', () => {
  it('a job failing every time backs off longer each time, becomes a dead letter at its cap with its reason, and runs again once retried', async () => {
    const { bundleId, deviceId } = await acceptedBundle();
    const failing: WorkerHooks = {
      afterEntries: () => {
        throw new Error('ledger host unreachable');
      },
    };
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      const next = await reconcileNext(s.pool, { workerId: 'jobs-test', hooks: failing });
      expect(next).toEqual({ failed: bundleId });
      const row = (await queued(bundleId))!;
      expect(row.attempts).toBe(attempt);
      expect(row.last_error).toBe('ledger host unreachable');
      if (attempt < 10) {
        expect(row.dead).toBe(false);
        waits.push(row.wait);
        await makeDue(bundleId);
      } else expect(row.dead).toBe(true);
    }
    // Exponential with jitter: the n-th wait is in [5·2^(n-1), 7.5·2^(n-1)) s, capped at 30 min,
    // and each one longer than the last (the seconds between the failure and the read aside).
    waits.forEach((wait, i) => {
      const floor = Math.min(RECONCILE_BACKOFF.capSeconds, RECONCILE_BACKOFF.baseSeconds * 2 ** i);
      expect(wait).toBeGreaterThan(floor - 2);
      expect(wait).toBeLessThanOrEqual(Math.min(RECONCILE_BACKOFF.capSeconds, floor * 1.5));
      if (i > 0) expect(wait).toBeGreaterThan(waits[i - 1]!);
    });

    // A dead letter is never claimed again, even when its time has come.
    await makeDue(bundleId);
    expect(await reconcileNext(s.pool, { workerId: 'jobs-test' })).toBeNull();
    const listed = (await deadLetters()).find((d) => d.id === bundleId);
    expect(listed).toMatchObject({
      queue: 'reconciliation',
      routes_by: deviceId,
      attempts: 10,
      reason: 'ledger host unreachable',
    });
    expect(await auditCount('job.dead_lettered', bundleId)).toBe(1);
    // The health panel's queue counts what a worker may still take, not the dead.
    const health = await s.call('GET', '/offline/health/overview', { token: ops });
    expect((health.body as { reconciliation: { queued: number } }).reconciliation.queued).toBe(0);

    // The operator retries it: it runs again, and posts.
    const retried = await s.call('POST', '/offline/jobs/dead-letters/retry', {
      token: admin,
      body: { queue: 'reconciliation', id: bundleId, routes_by: deviceId },
    });
    expect(retried.status).toBe(200);
    expect(await auditCount('job.retried', bundleId)).toBe(1);
    expect((await queued(bundleId))!.attempts).toBe(0);
    expect(await reconcileNext(s.pool, { workerId: 'jobs-test' })).toEqual({ bundleId, sales: 1 });
    expect(await queued(bundleId)).toBeUndefined();
    expect((await deadLetters()).some((d) => d.id === bundleId)).toBe(false);
    expect((await runLedgerCheck(s.pool)).balanced).toBe(true);

    // Once retried it is no dead letter: retrying again, or naming another device, finds none.
    const again = await s.call('POST', '/offline/jobs/dead-letters/retry', {
      token: ops,
      body: { queue: 'reconciliation', id: bundleId, routes_by: deviceId },
    });
    expect([again.status, (again.body as { error: { code: string } }).error.code]).toEqual([
      404,
      'DEAD_LETTER_NOT_FOUND',
    ]);
  });

  it('a retry must name the dead letter’s own device: another device’s id retries nothing', async () => {
    const { bundleId } = await acceptedBundle();
    await s.pool.query(
      `UPDATE offline_reconciliation_queue SET dead_at = now(), attempts = 10, last_error = 'x' WHERE bundle_id = $1`,
      [bundleId],
    );
    const other = await acceptedBundle();
    const res = await s.call('POST', '/offline/jobs/dead-letters/retry', {
      token: ops,
      body: { queue: 'reconciliation', id: bundleId, routes_by: other.deviceId },
    });
    expect(res.status).toBe(404);
    expect((await queued(bundleId))!.dead).toBe(true);
    // A teacher reads no dead letters.
    expect((await s.call('GET', '/offline/jobs/dead-letters', { token: teacher })).status).toBe(403);
    await s.pool.query('DELETE FROM offline_reconciliation_queue WHERE bundle_id = $1', [bundleId]);
    await s.pool.query('DELETE FROM offline_reconciliation_queue WHERE bundle_id = $1', [other.bundleId]);
  });

  it('two workers claiming at once never run one job twice', async () => {
    const bundles = await Promise.all([1, 2, 3, 4, 5, 6].map(() => acceptedBundle()));
    const ids = new Set(bundles.map((b) => b.bundleId));
    const seen: string[] = [];
    // Each worker's first job waits, holding its claim, until the other worker is inside a job too:
    // both hold a claim at the same moment, so the second claim ran while the first was locked.
    let arrived = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    const worker = (name: string) => {
      let first = true;
      const hooks: WorkerHooks = {
        afterEntries: async (bundleId) => {
          if (ids.has(bundleId)) seen.push(bundleId);
          if (!first) return;
          first = false;
          if (++arrived === 2) release();
          await bothIn;
        },
      };
      return (async () => {
        let done = 0;
        while ((await reconcileNext(s.pool, { workerId: name, hooks })) !== null) done++;
        return done;
      })();
    };
    const [a, b] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect([...seen].sort()).toEqual([...ids].sort());
    const { rows } = await s.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM offline_audit_logs
       WHERE action = 'bundle.reconciled' AND target_id = ANY($1::text[])`,
      [[...ids]],
    );
    expect(rows[0]!.n).toBe(ids.size);
    expect((await runLedgerCheck(s.pool)).balanced).toBe(true);
  });
});

describe('the encryption queue', () => {
  it('a job failed for good is a dead letter with its reason, and runs again once retried', async () => {
    const bytes = fakePdf(700);
    const up = await uploadMaterial(s, teacher, bytes, { title: 'Dead letter atlas' });
    const { material, job_id } = up.body as UploadMaterialResponse;
    const upload = join(s.trust.deps.materials.dir, 'uploads', `${material.material_id}.upload`);
    await rm(upload);
    expect(await encryptPending(s)).toEqual({ done: 0, failed: 1 });
    const listed = (await deadLetters(admin)).find((d) => d.id === job_id);
    expect(listed).toMatchObject({
      queue: 'encryption',
      routes_by: material.material_id,
      target: 'Dead letter atlas',
      attempts: 1,
      reason: expect.stringContaining('ENOENT'),
    });
    // Failed for good: the worker does not take it again by itself.
    expect(await encryptPending(s)).toEqual({ done: 0, failed: 0 });

    await writeFile(upload, bytes); // the operator put the file back
    const retried = await s.call('POST', '/offline/jobs/dead-letters/retry', {
      token: ops,
      body: { queue: 'encryption', id: job_id, routes_by: material.material_id },
    });
    expect(retried.status).toBe(200);
    expect(await encryptPending(s)).toEqual({ done: 1, failed: 0 });
    const job = await s.call('GET', `/api/v1/offline/jobs/${job_id}`, { token: teacher });
    expect(job.body).toMatchObject({ status: 'done', attempts: 1 });
    expect((await deadLetters()).some((d) => d.id === job_id)).toBe(false);
    expect(await auditCount('job.retried', job_id)).toBe(1);
  });
});
