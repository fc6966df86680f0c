import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { BundleEnvelope } from '../../protocol/bundle';
import type { SyncStatus } from '../../protocol/api';
import { bundleWith, enrollTerminal, push } from '../../server/payments/test-support';
import { runLedgerCheck } from '../../server/sales/ledger-check';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { captureCashSale, nextOf, settledSales, signedIn, tillCore } from '../support/till';
import { SN_POLICY_INPUT } from '../support/sn-policy';

/**
 * The 13th red-team pass's M-1 end to end, on the real till core and its sync engine, keychain,
 * server and PostgreSQL. A proxy between the till and the server (the shop's network) keeps the
 * till's pushes to itself and reads what every envelope shows in clear: bundle_id and nonce. The
 * sale ids are on the printed receipts. Another enrolled terminal, the attacker's, pushes a valid
 * bundle of its own under those ids first. With bundle_id the table's key, the till's own envelope
 * was then answered a signed 409 BUNDLE_ID_REUSED and its sales were rejected for good. A bundle is
 * (device_id, bundle_id) now, as nonces and sales are per device: both bundles are accepted and posted.
 */
let session: SecretServiceSession;
let server: TestServer;
let proxy: WithholdingProxy;
let core: Core;

/** Passes everything on, but while `withhold` is set it keeps pushes: the till sees the line drop. */
interface WithholdingProxy {
  url: string;
  withhold: boolean;
  held: BundleEnvelope[];
  /** The codes of the push answers that reached the till. */
  answers: string[];
  close(): Promise<void>;
}

async function startWithholdingProxy(target: string): Promise<WithholdingProxy> {
  const proxy: WithholdingProxy = { url: '', withhold: false, held: [], answers: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const isPush = req.method === 'POST' && req.url === '/offline/push';
        if (isPush && proxy.withhold) {
          proxy.held.push(JSON.parse(body.toString()) as BundleEnvelope);
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
            headers[name] = value;
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body.length ? { body } : {}),
        });
        const text = await upstream.text();
        if (isPush)
          proxy.answers.push(
            upstream.ok ? 'ok' : ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '?'),
          );
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'text/plain',
        });
        res.end(text);
      })().catch(() => res.destroy());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startWithholdingProxy(server.url);
});
afterAll(async () => {
  await core?.close();
  await proxy?.close();
  await server?.close();
  await session?.stop();
});

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const capture = (priceMinor: number) => captureCashSale(core, priceMinor);
const settled = settledSales;
/** Settled, or stopped by an error: a refusal fails the test at its assertion, not by its timeout. */
const done = (n: number) => (s: SyncStatus) => settled(s) === n || s.lastErrorCode !== null;

describe('another terminal pushes a bundle under the ids a proxy read from a till’s envelope', () => {
  it('the till’s own bundle is accepted and posted, and so is the other one; the ledger balances', async () => {
    const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin', 'ops']);
    expect(
      (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
    ).toBe(200);
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-victim', country: 'SN', currency_default: 'XOF' },
    });
    core = await tillCore(proxy.url);
    await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 10_000 });
    const rogue = await enrollTerminal(server, admin.token, { tenantId: 'shop-rogue' });

    // Round 1, the bundle id alone: the proxy keeps the till's push and squats its bundle_id.
    proxy.withhold = true;
    await capture(1_000);
    await capture(2_000);
    await call('sync.now');
    await expect.poll(() => proxy.held.length).toBeGreaterThan(0);
    const first = proxy.held[0]!;
    const squat = await push(
      server,
      await rogue.bundle([rogue.sale({ price: 100, tax: 0 })], { bundleId: first.bundle_id }),
    );
    expect(squat.body.status).toBe('accepted');

    proxy.withhold = false;
    await call('sync.now');
    const one = await nextOf<SyncStatus>(core, 'sync.status', done(2));
    expect(one.counts).toMatchObject({ accepted: 2, rejected: 0, review: 0, quarantined: 0, pending: 0 });
    expect(one.rejectedBundles).toEqual([]);
    expect(proxy.answers).not.toContain('BUNDLE_ID_REUSED');

    // Round 2, every id the attacker can learn at once: the envelope's bundle_id and nonce, and the
    // sale_id of the receipt.
    proxy.withhold = true;
    proxy.held.length = 0;
    const receipt = await capture(3_000);
    await call('sync.now');
    await expect.poll(() => proxy.held.length).toBeGreaterThan(0);
    const second = proxy.held[0]!;
    const squat2 = await push(
      server,
      await bundleWith(rogue, [rogue.sale({ price: 200, tax: 0, saleId: receipt.saleId })], {
        bundleId: second.bundle_id,
        nonce: second.nonce,
      }),
    );
    expect(squat2.body.status).toBe('accepted');

    proxy.withhold = false;
    await call('sync.now');
    const two = await nextOf<SyncStatus>(core, 'sync.status', done(3));
    expect(two.counts).toMatchObject({ accepted: 3, rejected: 0, review: 0, quarantined: 0, pending: 0 });
    expect(two.state).not.toBe('blocked');
    expect(proxy.answers.filter((a) => a !== 'ok')).toEqual([]);

    // Each device's bundle under each id is its own, and each is reconciled into the ledger.
    expect((await runOnce({ pool: server.pool })).failed).toBe(0);
    for (const bundleId of [first.bundle_id, second.bundle_id]) {
      const { rows } = await server.pool.query<{ device_id: string; status: string }>(
        'SELECT device_id, status FROM offline_tx_bundles WHERE bundle_id = $1 ORDER BY device_id = $2',
        [bundleId, rogue.device.id],
      );
      expect(rows).toEqual([
        { device_id: first.device_id, status: 'reconciled' },
        { device_id: rogue.device.id, status: 'reconciled' },
      ]);
    }
    const posted = await server.pool.query<{ device_id: string; debit: string }>(
      `SELECT device_id, sum(debit_minor)::text AS debit FROM ledger_entries GROUP BY device_id
       ORDER BY device_id = $1`,
      [rogue.device.id],
    );
    expect(posted.rows).toEqual([
      { device_id: first.device_id, debit: '6000' },
      { device_id: rogue.device.id, debit: '300' },
    ]);
    expect(await runLedgerCheck(server.pool)).toMatchObject({
      balanced: true,
      unbalanced_sales: { count: 0 },
    });

    // An ops reviewer names the device: the id alone is ambiguous now, never the wrong bundle.
    const both = await server.call('GET', `/offline/sales/bundles/${first.bundle_id}`, {
      token: admin.token,
    });
    expect(both.status).toBe(409);
    expect((both.body as { error: { code: string } }).error.code).toBe('BUNDLE_AMBIGUOUS');
    for (const [device, path] of [
      [first.device_id, `/offline/sales/bundles/${first.bundle_id}`],
      [rogue.device.id, `/offline/bundles/${first.bundle_id}`],
    ] as const) {
      const one = await server.call('GET', `${path}?device_id=${device}`, { token: admin.token });
      expect(one.status).toBe(200);
      expect(JSON.stringify(one.body)).toContain(device);
    }
  });
});
