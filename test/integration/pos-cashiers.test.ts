import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { SaleSummary, XReport, ZReport } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';

/**
 * Cashier accounts (issue #18) on the real core, keychain, server and PostgreSQL: nothing is
 * recorded without a cashier signed in, on a fresh till too; each sale is attributed to the one
 * signed in, in the signed record, the Z-report and the server's table; no call lets one
 * cashier record as another; every PIN of the till counts against one lockout.
 */
let session: SecretServiceSession;
let server: TestServer;
let core: Core;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  expect(
    (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-cashiers', country: 'SN', currency_default: 'XOF' },
  });
  core = await createCore({
    dataDir: await mkdtemp(join(tmpdir(), 'outpost-cashiers-')),
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: server.url,
    keyStore: new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` }),
    reachabilityIntervalMs: 100,
  });
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
}, 120_000);
afterAll(async () => {
  await core?.close();
  await server?.close();
  await session?.stop();
});

const call = <T = unknown>(method: string, input: unknown = {}) =>
  callCommand(core.handlers, method, input) as Promise<T>;
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => String((error as { code?: unknown }).code),
  );
const cart = {
  lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
  tenders: [{ type: 'cash', amountMinor: 2000 }],
};
const sell = () => call<SaleSummary>('pos.sale.capture', cart);
const manager = { managerId: 'awa', pin: '4821' };

describe('cashier accounts', () => {
  it('attack: no sale, shift or drawer move is recorded with nobody signed in, whatever accounts the till has', async () => {
    // A fresh till without any account records nothing either: no shift opens for nobody.
    expect(await codeOf(call('pos.shift.open', { floatMinor: 5000 }))).toBe('CASHIER_REQUIRED');

    await call('pos.cashier.set', { cashierId: 'awa', name: 'Awa Ndiaye', role: 'manager', pin: '4821' });
    await call('pos.cashier.signIn', { cashierId: 'awa', pin: '4821' });
    await call('pos.shift.open', { floatMinor: 5000 });
    await call('pos.cashier.lock');
    expect(await codeOf(sell())).toBe('CASHIER_REQUIRED');
    expect(
      await codeOf(call('pos.drawer.move', { direction: 'in', amountMinor: 100, reason: 'coins' })),
    ).toBe('CASHIER_REQUIRED');
    expect(await codeOf(call('pos.shift.close', { countedCashMinor: 0 }))).toBe('CASHIER_REQUIRED');
    // A cashier account needs a manager's PIN once one exists.
    expect(
      await codeOf(call('pos.cashier.set', { cashierId: 'bob', name: 'Bob', role: 'cashier', pin: '1111' })),
    ).toBe('MANAGER_PIN_REQUIRED');
    await call('pos.cashier.set', {
      cashierId: 'bob',
      name: 'Bob Diallo',
      role: 'cashier',
      pin: '1111',
      authorizedBy: manager,
    });
  });

  it('attack: one cashier cannot record as another: no call takes a cashier id, a PIN signs in its own account only', async () => {
    // The sale's cashier is never the caller's to say.
    expect(await codeOf(call('pos.sale.capture', { ...cart, cashierId: 'awa' }))).toBe('INVALID_INPUT');
    // Bob's PIN does not sign in as Awa.
    expect(await codeOf(call('pos.cashier.signIn', { cashierId: 'awa', pin: '1111' }))).toBe(
      'CASHIER_PIN_INVALID',
    );
    await call('pos.cashier.signIn', { cashierId: 'bob', pin: '1111' });
    const bobs = await sell();
    expect(bobs.cashierId).toBe('bob');
    // A cashier's right PIN is no manager's approval.
    expect(
      await codeOf(
        call('pos.managerPin.set', {
          managerId: 'eve',
          pin: '2222',
          authorizedBy: { managerId: 'bob', pin: '1111' },
        }),
      ),
    ).toBe('MANAGER_PIN_INVALID');

    // Switching cashier: lock, then Awa signs in; her sales are hers.
    await call('pos.cashier.lock');
    expect(await codeOf(sell())).toBe('CASHIER_REQUIRED');
    // Nor a refund or a void of a recorded sale.
    expect(await codeOf(call('pos.sale.refund', { originalSaleId: bobs.saleId, reason: 'broken' }))).toBe(
      'CASHIER_REQUIRED',
    );
    expect(await codeOf(call('pos.sale.void', { originalSaleId: bobs.saleId, reason: 'wrong item' }))).toBe(
      'CASHIER_REQUIRED',
    );
    await call('pos.cashier.signIn', { cashierId: 'awa', pin: '4821' });
    const awas = [await sell(), await sell()];
    expect(awas.map((s) => s.cashierId)).toEqual(['awa', 'awa']);
    await call('pos.sale.void', { originalSaleId: awas[1]!.saleId, reason: 'wrong item' });
    await call('pos.drawer.move', { direction: 'in', amountMinor: 2500, reason: 'coins from the bank' });
    await call('pos.drawer.move', { direction: 'out', amountMinor: 1000, reason: 'bread for the shop' });

    const x = await call<XReport>('pos.shift.xReport');
    expect(x.cashiers.map((c) => [c.cashierId, c.name, c.sales.count, c.voids.count])).toEqual([
      ['awa', 'Awa Ndiaye', 2, 1],
      ['bob', 'Bob Diallo', 1, 0],
    ]);
    // Float 5000 + three sales of 1180 cash − one void of 1180 + 2500 in − 1000 out.
    expect([x.paidInMinor, x.paidOutMinor, x.expectedCashMinor]).toEqual([
      2500,
      1000,
      5000 + 2 * 1180 + 1500,
    ]);

    const z = await call<ZReport>('pos.shift.close', { countedCashMinor: 10_040 });
    expect(z.cashiers.find((c) => c.cashierId === 'bob')?.sales).toEqual({ count: 1, totalMinor: 1180 });
    expect(z.cashiers.find((c) => c.cashierId === 'awa')?.sales).toEqual({ count: 2, totalMinor: 2360 });
    expect(z.expectedCashMinor).toBe(x.expectedCashMinor);

    // The server stores each sale's cashier as the till signed it.
    await call('sync.now');
    const rows = await server.pool.query<{ cashier_id: string | null; kind: string }>(
      'SELECT cashier_id, kind FROM offline_transactions ORDER BY seq',
    );
    expect(rows.rows.map((r) => r.cashier_id)).toEqual(['bob', 'awa', 'awa', 'awa']);
  });

  it('attack: wrong PINs at sign-in lock every PIN of the till, as the manager PINs did', async () => {
    for (let i = 0; i < 5; i++)
      expect(await codeOf(call('pos.cashier.signIn', { cashierId: 'bob', pin: '0000' }))).toBe(
        'CASHIER_PIN_INVALID',
      );
    expect(await codeOf(call('pos.cashier.signIn', { cashierId: 'bob', pin: '1111' }))).toBe(
      'OVERRIDE_LOCKED',
    );
    expect(
      await codeOf(call('pos.managerPin.set', { managerId: 'eve', pin: '2222', authorizedBy: manager })),
    ).toBe('OVERRIDE_LOCKED');
  });
});
