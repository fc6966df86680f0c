import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { ApiError, type SyncStatus } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { nextOf, settledSales, signedIn } from '../support/till';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { startForwarder, type Forwarder } from './tcp-forwarder';

/**
 * A refusal the till could not foresee, end to end on the real core, keychain, server and
 * PostgreSQL: sales taken offline under an XOF policy reach a server whose policy for the country
 * is now in EUR (issue #16: a sale in another currency than its policy's is never posted). The
 * till marks them rejected with the server's code, never sends them again, and takes no more sales
 * against a policy in another currency.
 */
let session: SecretServiceSession;
let server: TestServer;
let forwarder: Forwarder;
let core: Core;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  forwarder = await startForwarder(server.url);
});
afterAll(async () => {
  await core?.close();
  await forwarder?.close();
  await server.close();
  await session.stop();
});

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const next = <T>(topic: string, until: (item: T) => boolean): Promise<T> => nextOf<T>(core, topic, until);
const capture = () =>
  call('pos.sale.capture', {
    lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
    tenders: [{ type: 'cash', amountMinor: 2000 }],
  });
const refusedPushes = () =>
  forwarder.pushAnswers.filter((answer) => answer.includes('"CURRENCY_NOT_ALLOWED"')).length;

describe('a final refusal from the real server', () => {
  it('marks the sales rejected with its code, is never retried, and the ledger stays untouched', async () => {
    const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
    const setPolicy = async (currency: string) =>
      expect(
        (
          await server.call('POST', '/offline/policies', {
            token: admin.token,
            body: { ...SN_POLICY_INPUT, currency },
          })
        ).status,
      ).toBe(200);
    await setPolicy('XOF');
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-7', country: 'SN', currency_default: 'XOF' },
    });
    core = await createCore({
      dataDir: await mkdtemp(join(tmpdir(), 'outpost-till-')),
      appVersion: '0.0.0-test',
      platform: 'linux',
      defaultServerUrl: forwarder.url,
      keyStore: new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` }),
      reachabilityIntervalMs: 100,
    });
    await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 10_000 });

    // The network goes (kept-alive connections too); once the till knows it, two sales are taken
    // offline under the XOF policy it holds, and go out together in one bundle.
    forwarder.unplug();
    await next<SyncStatus>('sync.status', (s) => s.state === 'offline');
    await capture();
    await capture();
    // Meanwhile the operator moves the country to EUR; then the network comes back.
    await setPolicy('EUR');
    forwarder.retarget(server.url);

    await call('sync.now');
    // Waits for the server's answer, whatever it is, so a wrong one fails here rather than by timeout.
    const status = await next<SyncStatus>('sync.status', (s) => settledSales(s) === 2);
    expect(status.counts).toMatchObject({ rejected: 2, accepted: 0, review: 0, quarantined: 0 });
    expect(status.rejectedBundles).toEqual([
      expect.objectContaining({ seqFrom: 1, seqTo: 2, code: 'CURRENCY_NOT_ALLOWED' }),
    ]);
    expect(status.rejectedBundles[0]!.message).toContain('EUR');
    expect(refusedPushes()).toBe(1);

    // More rounds never send the refused bundle again.
    await call('sync.now');
    await call('sync.now');
    expect(refusedPushes()).toBe(1);

    // Nothing reached the server's store or ledger.
    await runOnce({ pool: server.pool });
    const stored = await server.pool.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM offline_tx_bundles) + (SELECT count(*) FROM ledger_entries) AS n',
    );
    expect(stored.rows[0]!.n).toBe('0');

    // The till now holds the EUR policy and refuses to take XOF sales against it.
    const refused = await capture().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('POLICY_DISABLED');
  });
});
