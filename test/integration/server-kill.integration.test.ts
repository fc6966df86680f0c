import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Observable, Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPost, createAdmin, runWorkerOnce, startServer, type Running } from '../../e2e/processes';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { freshDatabase } from '../pg/database';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { signedIn } from '../support/till';
import { startForwarder, type Forwarder } from './tcp-forwarder';
import { runLedgerCheck } from '../../server/sales/ledger-check';

/**
 * The server PROCESS killed mid-request (fault.integration.test.ts only cuts the connection to an
 * in-process server). The server is `server/main.ts` in a process of its own on real PostgreSQL;
 * the till is a real core in this process, talking to it through a TCP forwarder with a fixed port.
 *
 * 1. Inside the push's transaction: the test holds the device's row lock, so the push's first
 *    message (BEGIN, then offline_push_begin, which locks that row) waits inside the transaction
 *    it has begun. Once pg_stat_activity shows that, the server is SIGKILLed and the lock released:
 *    the orphaned backend ends and PostgreSQL aborts its transaction; nothing of it is stored.
 *    The push's writes travel in its last message, with the audit append and COMMIT: once that is
 *    sent, PostgreSQL commits it whole, dead server or not, and the retry is answered as a
 *    duplicate, which is case 2.
 * 2. After the commit: the forwarder keeps the push's answer from the till; once the server has
 *    sent it (it answers only after COMMIT), the server is SIGKILLed. Nothing inside the server
 *    waits between its COMMIT and its answer, so the network holding the answer is how this point
 *    is caught without changing server code.
 * Each time the server is restarted on the same DATABASE_URL and data directory (same master
 * secret, so the same keys) on a new port; the till retries on its own backoff, then the worker
 * (`npm run worker -- --once`) reconciles: every acknowledged sale is in the ledger exactly once.
 */

const WAIT_MS = 120_000;

let session: SecretServiceSession | undefined;
let pool: pg.Pool | undefined;
let lock: pg.Client | undefined;
let forwarder: Forwarder | undefined;
let core: Core | undefined;
let statusSub: Subscription | undefined;
const servers: Running[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  session = await ensureSecretService();
});
afterAll(async () => {
  statusSub?.unsubscribe();
  await core?.close().catch(() => undefined);
  await forwarder?.close();
  await Promise.all(servers.map((s) => s.stop()));
  await lock?.end().catch(() => undefined);
  await pool?.end();
  await session?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Polls `probe` until it returns something other than undefined; `what` names the wait on timeout. */
async function waitFor<T>(what: () => string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function killServer(server: Running): Promise<void> {
  const child = server.process;
  const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined;
  expect(exited, `the server died before the test killed it:\n${server.output()}`).toBeDefined();
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
}

const count = async (sql: string, params: unknown[] = []) =>
  Number((await pool!.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`, params)).rows[0]!.n);

describe('the server process killed mid-request', () => {
  it('every acknowledged sale reaches the ledger exactly once', { timeout: 600_000 }, async () => {
    const databaseUrl = await freshDatabase();
    const serverDir = await mkdtemp(join(tmpdir(), 'outpost-kill-server-'));
    const tillDir = await mkdtemp(join(tmpdir(), 'outpost-kill-till-'));
    dirs.push(serverDir, tillDir);
    const start = async () => {
      const running = await startServer({ DATABASE_URL: databaseUrl, OUTPOST_DATA_DIR: serverDir });
      servers.push(running);
      return running;
    };
    let server = await start();
    const masterKey = await readFile(join(serverDir, 'server', 'master.key'));
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });

    const token = await createAdmin(server);
    await adminPost(server, token, '/offline/policies', SN_POLICY_INPUT);
    const { code } = (await adminPost(server, token, '/offline/enrollment-codes', {
      tenant_type: 'merchant',
      tenant_id: 'shop-kill',
      country: 'SN',
      currency_default: 'XOF',
    })) as { code: string };

    forwarder = await startForwarder(server.url);
    core = await createCore({
      dataDir: tillDir,
      appVersion: '0.0.0-test',
      platform: 'linux',
      defaultServerUrl: forwarder.url,
      keyStore: new KeytarKeyStore({ service: `outpost-kill-${randomUUID()}` }),
      reachabilityIntervalMs: 100,
      // Its own settings, so the test waits for states rather than minutes of backoff; the request
      // timeout is long so that only the server's death ends a held push.
      sync: { backoffBaseMs: 50, backoffMaxMs: 400, intervalMs: 250, requestTimeoutMs: WAIT_MS },
    });
    const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);
    const open = (
      core.handlers.subscriptions as unknown as Record<string, (input: unknown) => Observable<SyncStatus>>
    )['sync.status']!;
    let status: SyncStatus | undefined;
    statusSub = open({}).subscribe((s) => (status = s));
    // Accepted, nothing left to send, and the last round ended without an error.
    const settled = (accepted: number) => () =>
      status &&
      status.counts.accepted === accepted &&
      status.counts.pending + status.counts.pushed === 0 &&
      status.lastErrorCode === null
        ? status
        : undefined;
    const describeStatus = (what: string) => () => `${what}; till: ${JSON.stringify(status)}`;

    await call('enrollment.redeemCode', { code });
    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 10_000 });
    const acknowledged: string[] = [];
    const capture = async (qty: number) => {
      const sale = (await call('pos.sale.capture', {
        lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty, unitPriceMinor: 1000, taxRateBp: 1800 }],
        tenders: [{ type: 'cash', amountMinor: 10_000 }],
      })) as { saleId: string };
      acknowledged.push(sale.saleId);
    };

    // 1. Killed inside the push's transaction: it has begun it, and waits for the device's row,
    //    which the test holds.
    lock = new pg.Client({ connectionString: databaseUrl });
    await lock.connect();
    await lock.query('BEGIN');
    // KEY SHARE stops the push's FOR UPDATE and lets other requests' last_seen updates through.
    const locked = await lock.query('SELECT device_id FROM offline_devices FOR KEY SHARE');
    expect(locked.rows).toHaveLength(1);
    const lockPid = (await lock.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    // Each sale recorded kicks a push: the first one blocks; the others queue behind it on the till.
    for (const qty of [1, 2, 3]) await capture(qty);
    const waiting = await waitFor(
      () => `the push's backend to wait on the test's lock\n${server.output()}`,
      async () => {
        const { rows } = await pool!.query<{
          pid: number;
          wait_event_type: string;
          wait_event: string;
          query: string;
        }>(
          `SELECT pid, wait_event_type, wait_event, query
           FROM pg_stat_activity
           WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))`,
          [lockPid],
        );
        return rows.length > 0 ? rows : undefined;
      },
    );
    expect(waiting).toHaveLength(1);
    const pushBackend = waiting[0]!;
    expect(pushBackend).toMatchObject({ wait_event_type: 'Lock' });
    // BEGIN has run (the same message), and the statement after it waits for the row.
    expect(pushBackend.query).toMatch(/^BEGIN;\s*SELECT device, state FROM offline_push_begin\(/);

    await killServer(server);
    await lock.query('ROLLBACK');
    // Its client gone, the backend finishes its reads, cannot answer or read a next message, ends,
    // and PostgreSQL aborts its transaction.
    await waitFor(
      () => `backend ${pushBackend.pid} to end`,
      async () =>
        (await count('pg_stat_activity WHERE pid = $1', [pushBackend.pid])) === 0 ? true : undefined,
    );
    expect(await count('offline_tx_bundles')).toBe(0);
    expect(await count('offline_transactions')).toBe(0);
    expect(await count('offline_bundle_nonces')).toBe(0);
    expect(await count('offline_reconciliation_queue')).toBe(0);
    expect(await count(`offline_audit_logs WHERE action LIKE 'bundle.%'`)).toBe(0);
    // The till did not hear an answer: nothing of this is accepted on its side either.
    expect(status?.counts.accepted).toBe(0);

    // Restarted on a new port, same database and data directory: the till's sealed bundles open.
    server = await start();
    expect(await readFile(join(serverDir, 'server', 'master.key'))).toEqual(masterKey);
    expect(new URL(server.url).port).not.toBe(new URL(servers[0]!.url).port);
    forwarder.retarget(server.url);
    await waitFor(describeStatus('the till to have all 3 sales accepted'), settled(3));
    const firstSales = await pool.query<{ sale_id: string }>('SELECT sale_id FROM offline_transactions');
    expect(firstSales.rows.map((r) => r.sale_id).sort()).toEqual([...acknowledged].sort());

    // 2. Killed after the COMMIT, before the answer reaches the till.
    const held = forwarder.holdNextPushAnswer();
    for (const qty of [4, 5]) await capture(qty);
    const answerIndex = await held;
    const committed = await pool.query<{ bundle_id: string }>(
      'SELECT bundle_id FROM offline_tx_bundles WHERE seq_from = 4',
    );
    expect(committed.rows).toHaveLength(1);
    const bundleId = committed.rows[0]!.bundle_id;
    await killServer(server);
    // The answer the till never got: the bundle, stored for the first time.
    const lost = await waitFor(
      () => `the whole held answer: ${forwarder!.pushAnswers[answerIndex]}`,
      () => forwarder!.pushAnswers[answerIndex]!.match(/"duplicate":(true|false)/)?.[1],
    );
    expect(lost).toBe('false');
    expect(forwarder.pushAnswers[answerIndex]).toContain(`"bundle_id":"${bundleId}"`);
    // The till saw its push fail, not the answer.
    await waitFor(describeStatus('the till to see its push fail'), () =>
      status?.lastErrorCode === 'UNAVAILABLE' ? status : undefined,
    );
    expect(status?.counts.accepted).toBe(3);

    server = await start();
    forwarder.retarget(server.url);
    await waitFor(describeStatus('the till to have all 5 sales accepted'), settled(5));
    // It re-sent the same bundle, answered as a duplicate of the stored one; nothing stored twice.
    expect(
      forwarder.pushAnswers.some(
        (a) => a.includes(`"bundle_id":"${bundleId}"`) && a.includes('"duplicate":true'),
      ),
    ).toBe(true);
    expect(
      await count(`offline_audit_logs WHERE action = 'bundle.accepted' AND target_id = $1`, [bundleId]),
    ).toBe(1);

    // 3. The worker, as a process, reconciles; the till pulls the outcome on its own.
    await runWorkerOnce(server);
    await waitFor(describeStatus('the till to see all 5 sales reconciled'), () =>
      status?.counts.reconciled === acknowledged.length ? status : undefined,
    );

    // Exactly once: each acknowledged sale stored once, posted once, one row per leg.
    const stored = await pool.query<{ sale_id: string }>('SELECT sale_id FROM offline_transactions');
    const storedIds = stored.rows.map((r) => r.sale_id).sort();
    expect(storedIds).toEqual([...acknowledged].sort());
    const legs = await pool.query<{ sale_id: string; rows: string; legs: string }>(
      `SELECT sale_id, count(*)::text AS rows, count(DISTINCT leg)::text AS legs FROM ledger_entries GROUP BY sale_id`,
    );
    expect(legs.rows.map((r) => r.sale_id).sort()).toEqual(storedIds);
    for (const r of legs.rows) expect(r.rows).toBe(r.legs);
    expect(await runLedgerCheck(pool)).toMatchObject({ balanced: true, unbalanced_sales: { count: 0 } });
  });
});
