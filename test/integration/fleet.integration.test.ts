import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminPost, createAdmin, startServer, startWorker, type Running } from '../../e2e/processes';
import type { EnrollResponse } from '../../protocol/http';
import { newDevice, SN_POLICY, Terminal } from '../../server/payments/test-support';
import { runLedgerCheck } from '../../server/sales/ledger-check';
import { enrollSigned } from '../../server/testing/harness';
import { freshDatabase } from '../pg/database';
import { pushUntilAnswered } from './fleet-push';
import { startRoundRobin, type RoundRobin } from './round-robin';

/**
 * Issue #23 item 5: many server and worker processes on one PostgreSQL, and a crash of each kind
 * under load. 2 servers (`server/main.ts`) and 3 workers (`server/worker/main.ts`), each a process
 * of its own sharing DATABASE_URL and the master secret, as a deployment runs them. The terminals
 * reach the servers through a TCP round-robin balancer (./round-robin.ts) rather than alternating
 * between two URLs themselves: it is what a deployment puts in front, each request is a new
 * connection to the next server (so no terminal sticks to one), and once a server dies its turn
 * still comes round, so terminals meet the dead server for real, not because the test told them.
 *
 * Half the terminals are offline tills pushing bundles of many sales, half online tills pushing
 * each sale as it is made; all of them at once. When a third of the bundles are acknowledged, one
 * server and one worker are SIGKILLed. Then: every bundle a terminal got a 200 for is stored with
 * all its sales, no sale is stored or posted twice, the surviving workers reconcile everything, and
 * the ledger balances.
 */

const TERMINALS = 32;
const OFFLINE_BUNDLES = 6;
const OFFLINE_SALES = 15;
const ONLINE_SALES = 10;
const WAIT_MS = 90_000;

const servers: Running[] = [];
const workers: Running[] = [];
const dirs: string[] = [];
let balancer: RoundRobin | undefined;
let pool: pg.Pool | undefined;

afterAll(async () => {
  await balancer?.close();
  await Promise.all([...servers, ...workers].map((p) => p.stop()));
  await pool?.end();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function sigkill(target: Running): Promise<void> {
  const child = target.process;
  expect(child.exitCode, `it died before the test killed it:\n${target.output()}`).toBeNull();
  expect(child.signalCode).toBeNull();
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
}

async function waitFor<T>(what: () => string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('2 servers and 3 workers on one PostgreSQL, one of each SIGKILLed under load', () => {
  it('loses no acknowledged sale, posts none twice, and balances', { timeout: 300_000 }, async () => {
    const databaseUrl = await freshDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'outpost-fleet-'));
    dirs.push(dataDir);
    // One data directory for all: its master.key, which the first server creates, is the secret
    // every process shares (what OUTPOST_MASTER_SECRET would be on separate machines).
    const env = { DATABASE_URL: databaseUrl, OUTPOST_DATA_DIR: dataDir };
    // The first one migrates and makes the server keys; the others start together on that database.
    servers.push(await startServer(env));
    const [second, ...started] = await Promise.all([
      startServer(env),
      ...[0, 1, 2].map(() => startWorker(servers[0]!)),
    ]);
    servers.push(second!);
    workers.push(...started);
    balancer = await startRoundRobin(servers.map((s) => s.url));
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });

    const admin = servers[0]!;
    const token = await createAdmin(admin);
    await adminPost(admin, token, '/offline/policies', {
      ...SN_POLICY,
      max_offline_per_device_per_day: 10_000,
      max_unsynced_amount: 1_000_000_000,
    });

    // Terminals enroll with a code through the balancer, as tills do, and seal to the key they got.
    const call = async (path: string, body: string, headers: Record<string, string>) => {
      const res = await fetch(`${balancer!.url}${path}`, { method: 'POST', headers, body });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as unknown, text, headers: res.headers };
    };
    const terminals: Terminal[] = [];
    for (let i = 0; i < TERMINALS; i++) {
      const { code } = (await adminPost(admin, token, '/offline/enrollment-codes', {
        tenant_type: 'merchant',
        tenant_id: `shop-${i % 3}`,
        country: 'SN',
        currency_default: 'XOF',
      })) as { code: string };
      const device = newDevice('FLEET');
      const enrolled = await enrollSigned(
        { call: (_m, path, o) => call(path, o!.rawBody!, o!.headers!) },
        device,
        code,
      );
      expect(enrolled.status, enrolled.text).toBe(201);
      terminals.push(new Terminal(device, (enrolled.body as EnrollResponse).server.hpke_public_key));
    }

    // Every bundle is sealed and signed before the load starts: each lane is one terminal's bundles
    // in chain order. Offline tills sold over the last hours; online tills push each sale alone.
    const now = Date.now();
    const lanes: { bundleId: string; body: string; saleIds: string[] }[][] = [];
    for (const [i, t] of terminals.entries()) {
      const lane = [];
      const offline = i % 2 === 0;
      const count = offline ? OFFLINE_BUNDLES : ONLINE_SALES;
      for (let b = 0; b < count; b++) {
        const tender = b % 2 === 0 ? 'cash' : 'card';
        const sales = offline
          ? t.sales(OFFLINE_SALES, { tender }, 20_000, now - (count - b) * 3_600_000)
          : [t.sale({ tender, online: true, createdAt: new Date(now - (count - b) * 1000) })];
        const envelope = await t.bundle(sales);
        lane.push({
          bundleId: envelope.bundle_id,
          body: JSON.stringify(envelope),
          saleIds: sales.map((s) => s.sale_id),
        });
      }
      lanes.push(lane);
    }
    const totalBundles = lanes.flat().length;
    const allSaleIds = lanes.flat().flatMap((b) => b.saleIds);

    // The load: every terminal pushes its lane, in order, all at once. A third of the way in, one
    // server and one worker die.
    const acknowledged = new Set<string>();
    let retries = 0;
    let duplicates = 0;
    let killed: Promise<void> | undefined;
    const kill = async () => {
      await Promise.all([sigkill(servers[1]!), sigkill(workers[0]!)]);
    };
    await Promise.all(
      lanes.map(async (lane) => {
        for (const bundle of lane) {
          const outcome = await pushUntilAnswered(balancer!.url, bundle.body);
          expect(outcome.answer.bundle_id).toBe(bundle.bundleId);
          expect(outcome.answer.status, JSON.stringify(outcome.answer.reasons)).toBe('accepted');
          acknowledged.add(bundle.bundleId);
          retries += outcome.retries;
          if (outcome.answer.duplicate) duplicates++;
          if (!killed && acknowledged.size >= totalBundles / 3) killed = kill();
        }
      }),
    );
    await killed;
    expect(acknowledged.size).toBe(totalBundles);
    // Terminals met the dead server (its turn kept coming round) and got through on the other.
    expect(balancer.failed[1]).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);

    // Every acknowledged bundle is stored, each sale once.
    const q = async <T extends pg.QueryResultRow>(sql: string) => (await pool!.query<T>(sql)).rows;
    const storedBundles = await q<{ bundle_id: string }>('SELECT bundle_id FROM offline_tx_bundles');
    expect(storedBundles.map((r) => r.bundle_id).sort()).toEqual([...acknowledged].sort());
    const storedSales = await q<{ sale_id: string }>('SELECT sale_id FROM offline_transactions');
    expect(storedSales.map((r) => r.sale_id).sort()).toEqual([...allSaleIds].sort());

    // The two surviving workers reconcile all of it, including what the dead one held.
    await waitFor(
      () => `every bundle reconciled; workers:\n${workers.map((w) => w.output().slice(-2000)).join('\n')}`,
      async () => {
        const [r] = await q<{ reconciled: string; queued: string }>(
          `SELECT (SELECT count(*) FROM offline_tx_bundles WHERE status = 'reconciled')::text AS reconciled,
                  (SELECT count(*) FROM offline_reconciliation_queue)::text AS queued`,
        );
        return Number(r!.reconciled) === totalBundles && r!.queued === '0' ? r : undefined;
      },
    );
    for (const w of workers.slice(1)) expect(w.process.exitCode, w.output()).toBeNull();

    // Posted exactly once: one row per (sale, leg), every sale posted, the ledger balanced.
    const [legs] = await q<{ rows: string; distinct_legs: string; sales: string }>(
      `SELECT count(*)::text AS rows, count(DISTINCT (device_id, sale_id, leg))::text AS distinct_legs,
              count(DISTINCT sale_id)::text AS sales FROM ledger_entries`,
    );
    expect(legs!.rows).toBe(legs!.distinct_legs);
    expect(Number(legs!.sales)).toBe(allSaleIds.length);
    expect(await runLedgerCheck(pool)).toMatchObject({ balanced: true, unbalanced_sales: { count: 0 } });

    console.log(
      `fleet: ${TERMINALS} terminals, ${totalBundles} bundles, ${allSaleIds.length} sales; ` +
        `connections per server ${JSON.stringify(balancer.connections)}, refused or dropped ${JSON.stringify(balancer.failed)}; ` +
        `retries ${retries}, answered as duplicates ${duplicates}`,
    );
  });
});
