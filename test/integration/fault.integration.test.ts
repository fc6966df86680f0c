import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import type { PushResponse } from '../../protocol/http';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { runLedgerCheck } from '../../server/sales/ledger-check';

/**
 * Faults between a real till and the real server, on real PostgreSQL, with nothing stood in:
 * - the till (its own process, fault-terminal.fixture.ts) is SIGKILLed while its push is held by
 *   the network, and again after the server stored the push but before the answer reached it; each
 *   time it restarts on the same data directory and keychain entry;
 * - the server's side of a request dies mid-request, before its commit (the body is cut half way,
 *   so the server never completes it) and after it (the answer is lost); the server PROCESS itself
 *   is SIGKILLed inside a push's transaction and after its commit in
 *   server-kill.integration.test.ts;
 * - every bundle is delivered again, twice, in reverse order;
 * - two workers reconcile at once.
 * Then every sale the till acknowledged is in the ledger exactly once, and the ledger balances.
 *
 * The network between them is a small HTTP proxy that decides, push by push, what happens.
 */

type Fault = 'forward' | 'hold' | 'answer-lost-to-killed-till' | 'cut-mid-body' | 'cut-after-commit';

interface PushSeen {
  n: number;
  fault: Fault;
  body: Buffer;
  /** Resolves when the fault has played out (held, or the server answered, or the cut is made). */
  reached: Promise<void>;
}

const PUSH_PATH = '/offline/push';
const bundleOf = (body: Buffer) => (JSON.parse(body.toString('utf8')) as { bundle_id: string }).bundle_id;

/**
 * Forwards everything to `target`; the nth push meets the fault `plan` picks, given the bundle it
 * carries and how many times that bundle was seen before (1 on its first delivery).
 */
async function startFaultProxy(
  target: string,
  plan: (n: number, bundleId: string, attempt: number) => Fault,
) {
  const upstream = new URL(target);
  const pushes: PushSeen[] = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPush = req.method === 'POST' && req.url === PUSH_PATH;
      const bundleId = isPush ? bundleOf(body) : '';
      const attempt = pushes.filter((p) => bundleOf(p.body) === bundleId).length + 1;
      const fault: Fault = isPush ? plan(pushes.length + 1, bundleId, attempt) : 'forward';
      let reached!: () => void;
      const seen: PushSeen = {
        n: pushes.length + 1,
        fault,
        body,
        reached: new Promise((resolve) => (reached = resolve)),
      };
      if (isPush) {
        pushes.push(seen);
        waiters.splice(0).forEach((w) => w());
      }
      if (fault === 'hold') {
        reached();
        return; // never forwarded, never answered: the till is killed meanwhile
      }
      const headers = { ...req.headers, host: upstream.host };
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          if (fault === 'answer-lost-to-killed-till' || fault === 'cut-after-commit') {
            // The server answered, so it committed; the till never hears of it.
            answer.resume();
            answer.on('end', () => {
              if (fault === 'cut-after-commit') res.socket?.destroy();
              reached();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', reached);
        },
      );
      out.on('error', () => res.socket?.destroy());
      if (fault === 'cut-mid-body') {
        // Half the body, then the connection dies: the server never has a whole request to store.
        out.write(body.subarray(0, Math.floor(body.length / 2)), () => {
          out.destroy();
          res.socket?.destroy();
          reached();
        });
        return;
      }
      out.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    /** The nth push, once it has arrived. */
    async push(n: number): Promise<PushSeen> {
      while (pushes.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return pushes[n - 1]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const FIXTURE = fileURLToPath(new URL('./fault-terminal.fixture.ts', import.meta.url));

interface Till {
  child: ChildProcess;
  facts: Array<Record<string, unknown>>;
  /** Resolves with the first fact matching `match`. */
  fact(match: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr: string[];
}

function startTill(env: Record<string, string>): Till {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const facts: Array<Record<string, unknown>> = [];
  const listeners: Array<() => void> = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      facts.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return; // a library's own output
    }
    listeners.splice(0).forEach((l) => l());
  });
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    facts,
    stderr,
    exited,
    async fact(match) {
      for (;;) {
        const found = facts.find(match);
        if (found) return found;
        const more = new Promise<void>((resolve) => listeners.push(resolve));
        const code = await Promise.race([more.then(() => undefined), exited.then((c) => ({ c }))]);
        if (code && !facts.some(match))
          throw new Error(`till exited (${String(code.c)}) before the fact: ${stderr.join('').slice(-2000)}`);
      }
    },
  };
}

async function kill(till: Till) {
  till.child.kill('SIGKILL');
  await till.exited;
}

const captured = (till: Till) =>
  till.facts.filter((f) => f.event === 'captured').map((f) => f.saleId as string);

let session: SecretServiceSession;
let server: TestServer;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let dataDir: string;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await session?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('terminal and server faults against the real server', () => {
  it('every acknowledged sale reaches the ledger exactly once', { timeout: 300_000 }, async () => {
    const admin = await server.user(`fault-${randomUUID()}@shop.test`, ['pay_admin', 'ops']);
    const policy = {
      country: 'SN',
      currency: 'XOF',
      max_offline_amount: 100_000,
      max_offline_per_device_per_day: 500,
      max_unsynced_amount: 5_000_000,
      max_bundle_age_hours: 72,
      approval_threshold: 50_000,
      enabled: true,
    };
    expect(
      (await server.call('POST', '/offline/policies', { token: admin.token, body: policy })).status,
    ).toBe(200);
    const items = Array.from({ length: 7 }, (_, i) => ({
      sku: `item-${i}`,
      barcode: null,
      name: `Article ${i}`,
      price_minor: 1000 + i,
      currency: 'XOF',
      tax_rate_bp: 1800,
      active: true,
    }));
    const catalog = await server.call('POST', '/offline/catalog', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-fault', items },
    });
    expect(catalog.status).toBe(200);
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-fault', country: 'SN', currency_default: 'XOF' },
    });
    expect(issued.status).toBe(201);

    // Push 1: held by the network while the till dies. Push 2 (the same bundle, after the restart):
    // stored, the answer lost as the till dies. Every later bundle: cut half way through its body
    // the first time, stored with the connection dying before the answer the second, then through.
    let firstBundle = '';
    proxy = await startFaultProxy(server.url, (n, bundleId, attempt) => {
      if (n === 1) firstBundle = bundleId;
      if (n === 1) return 'hold';
      if (n === 2) return 'answer-lost-to-killed-till';
      if (bundleId === firstBundle) return 'forward';
      return attempt === 1 ? 'cut-mid-body' : attempt === 2 ? 'cut-after-commit' : 'forward';
    });
    dataDir = await mkdtemp(join(tmpdir(), 'outpost-fault-till-'));
    const base = {
      FAULT_DATA_DIR: dataDir,
      FAULT_SERVER_URL: proxy.url,
      FAULT_KEYTAR_SERVICE: `outpost-fault-${randomUUID()}`,
      FAULT_PULL_PAGE: '3',
    };
    const acknowledged: string[] = [];
    const bundles = async () =>
      Number(
        (await server.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM offline_tx_bundles'))
          .rows[0]!.n,
      );

    // 1. Killed while its first push is in flight (held): the server never saw it.
    const first = startTill({
      ...base,
      FAULT_CODE: (issued.body as { code: string }).code,
      FAULT_CAPTURE: '4',
      FAULT_MODE: 'push',
    });
    await (
      await proxy.push(1)
    ).reached;
    await first.fact((f) => f.event === 'syncing');
    acknowledged.push(...captured(first));
    await kill(first);
    expect(acknowledged).toHaveLength(4);
    expect(await bundles()).toBe(0);

    // 2. Restarted: it re-sends the same envelope; the server stores it; the till dies before the answer.
    const second = startTill({ ...base, FAULT_CAPTURE: '3', FAULT_MODE: 'push' });
    const resent = await proxy.push(2);
    await resent.reached;
    expect(resent.body.equals(proxy.pushes[0]!.body)).toBe(true);
    await second.fact((f) => f.event === 'syncing');
    acknowledged.push(...captured(second));
    await kill(second);
    expect(await bundles()).toBe(1);

    // 3. Restarted again: pushes die mid-request before and after the server's commit; it retries
    //    until every sale it holds is accepted.
    const third = startTill({ ...base, FAULT_CAPTURE: '2', FAULT_MODE: 'settle', FAULT_UNTIL: 'accepted' });
    const settled = await third.fact((f) => f.event === 'settled');
    expect(await third.exited).toBe(0);
    acknowledged.push(...captured(third));
    const faults = proxy.pushes.map((p) => p.fault);
    expect(faults).toEqual(expect.arrayContaining(['cut-mid-body', 'cut-after-commit', 'forward']));
    const afterSettle = settled.status as SyncStatus;
    expect(afterSettle.counts.pending + afterSettle.counts.pushed).toBe(0);
    expect(afterSettle.counts.rejected).toBe(0);

    // 4. Every bundle delivered again, twice each, newest first, all at once: nothing new.
    const before = await bundles();
    const replays = await Promise.all(
      [...proxy.pushes]
        .reverse()
        .flatMap((p) =>
          [1, 2].map(() => server.call('POST', PUSH_PATH, { rawBody: p.body.toString('utf8') })),
        ),
    );
    for (const r of replays) {
      expect(r.status, r.text).toBe(200);
      expect((r.body as PushResponse).duplicate).toBe(true);
    }
    expect(await bundles()).toBe(before);

    // 5. Two workers at once, then again: the second pass finds nothing.
    await Promise.all([
      runOnce({ pool: server.pool, workerId: 'fault-a' }),
      runOnce({ pool: server.pool, workerId: 'fault-b' }),
    ]);
    const entries = async () =>
      Number(
        (await server.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_entries')).rows[0]!.n,
      );
    const posted = await entries();
    await runOnce({ pool: server.pool, workerId: 'fault-c' });
    expect(await entries()).toBe(posted);

    // 6. The till pulls (three items a page) until it sees every sale reconciled and the catalog.
    const last = startTill({
      ...base,
      FAULT_MODE: 'settle',
      FAULT_UNTIL: `reconciled:${acknowledged.length}`,
    });
    const final = await last.fact((f) => f.event === 'settled');
    expect(await last.exited).toBe(0);
    expect(final.catalogItems).toBe(items.length);
    expect((final.status as SyncStatus).counts.reconciled).toBe(acknowledged.length);

    // Exactly once: each acknowledged sale is stored once and posted once, with one row per leg.
    const stored = await server.pool.query<{ sale_id: string }>('SELECT sale_id FROM offline_transactions');
    const storedIds = stored.rows.map((r) => r.sale_id).sort();
    expect(storedIds).toEqual([...new Set(acknowledged)].sort());
    const legs = await server.pool.query<{ sale_id: string; rows: string; legs: string }>(
      `SELECT sale_id, count(*)::text AS rows, count(DISTINCT leg)::text AS legs FROM ledger_entries GROUP BY sale_id`,
    );
    expect(legs.rows.map((r) => r.sale_id).sort()).toEqual(storedIds);
    for (const r of legs.rows) expect(r.rows).toBe(r.legs);
    expect(await runLedgerCheck(server.pool)).toMatchObject({
      balanced: true,
      unbalanced_sales: { count: 0 },
    });
  });
});
