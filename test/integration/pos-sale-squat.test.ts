import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { enrollTerminal, push } from '../../server/payments/test-support';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { captureCashSale, nextOf, settledSales, signedIn, tillCore } from '../support/till';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { startForwarder, type Forwarder } from './tcp-forwarder';

/**
 * The eighth red-team pass's M-1 end to end, on the real till core, keychain, server and
 * PostgreSQL: a till records sales offline; the sale_id of one is on its printed receipt
 * (`outpost-receipt:<sale_id>`); an enrolled till of another tenant pushes a small sale under that
 * sale_id before the victim syncs. The victim's sync then got 409 SEQUENCE_CONFLICT, marked its
 * honest sales rejected, stayed "blocked" for good and sent its next sale to SEQUENCE_GAP review.
 * Sales are (device_id, sale_id) now: the victim's sync goes through, and so does the next one.
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
  await server?.close();
  await session?.stop();
});

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const capture = (priceMinor: number) => captureCashSale(core, priceMinor);
const settled = settledSales;

describe('a rogue till of another tenant squats a sale_id read from a receipt', () => {
  it('the victim’s honest sales are accepted and posted, and its sync never blocks', async () => {
    const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
    expect(
      (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
    ).toBe(200);
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-victim', country: 'SN', currency_default: 'XOF' },
    });
    core = await tillCore(forwarder.url);
    await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 10_000 });

    // The network goes; three sales are taken; B's receipt is printed with its sale_id.
    forwarder.retarget('http://127.0.0.1:1');
    forwarder.disconnect();
    await capture(1_000);
    const b = await capture(2_000);
    await capture(3_000);

    const rogue = await enrollTerminal(server, admin.token, { tenantId: 'shop-rogue' });
    const squat = await push(
      server,
      await rogue.bundle([rogue.sale({ saleId: b.saleId, price: 100, tax: 0 })]),
    );
    expect(squat.body.status).toBe('accepted');
    // The squat came first: the server holds none of the victim's sales yet.
    const held = await server.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM offline_transactions WHERE device_id <> $1',
      [rogue.device.id],
    );
    expect(held.rows[0]!.n).toBe('0');

    forwarder.retarget(server.url);
    await call('sync.now');
    const first = await nextOf<SyncStatus>(core, 'sync.status', (s) => settled(s) === 3);
    expect(first.counts).toMatchObject({ accepted: 3, rejected: 0, review: 0, quarantined: 0, pending: 0 });
    expect(first.state).not.toBe('blocked');
    expect(first.rejectedBundles).toEqual([]);

    await capture(4_000);
    await call('sync.now');
    const second = await nextOf<SyncStatus>(core, 'sync.status', (s) => settled(s) === 4);
    expect(second.counts).toMatchObject({ accepted: 4, rejected: 0, review: 0, quarantined: 0, pending: 0 });
    expect(second.state).not.toBe('blocked');
    expect(forwarder.pushAnswers.filter((a) => a.includes('SEQUENCE_CONFLICT'))).toEqual([]);

    // Both sales under that sale_id are posted, each as its own device's.
    await runOnce({ pool: server.pool });
    const { rows } = await server.pool.query<{ device_id: string; debit: string }>(
      `SELECT l.device_id, sum(l.debit_minor)::text AS debit FROM ledger_entries l
       WHERE l.sale_id = $1 GROUP BY l.device_id ORDER BY debit`,
      [b.saleId],
    );
    expect(rows).toEqual([
      { device_id: rogue.device.id, debit: '100' },
      { device_id: expect.not.stringMatching(rogue.device.id), debit: '2000' },
    ]);
  });
});
