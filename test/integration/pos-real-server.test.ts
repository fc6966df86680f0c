import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { nextOf, signedIn } from '../support/till';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { runLedgerCheck } from '../../server/sales/ledger-check';

/**
 * The whole payments path with no stand-ins: a real core (keychain, encrypted store) enrolled with
 * an admin's code, sales pushed in signed HPKE bundles to the real server on real PostgreSQL, the
 * real worker reconciling them, and the outcome pulled back to the till.
 */
let session: SecretServiceSession;
let server: TestServer;
let core: Core;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
});
afterAll(async () => {
  await core?.close();
  await server.close();
  await session.stop();
});

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const next = <T>(topic: string, until: (item: T) => boolean): Promise<T> => nextOf<T>(core, topic, until);

describe('till to ledger against the real server', () => {
  it('enrolls, sells, syncs, reconciles exactly once, and the ledger balances', async () => {
    const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin', 'ops']);
    expect(
      (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
    ).toBe(200);
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-42', country: 'SN', currency_default: 'XOF' },
    });
    const catalog = await server.call('POST', '/offline/catalog', {
      token: admin.token,
      body: {
        tenant_type: 'merchant',
        tenant_id: 'shop-42',
        items: [
          {
            sku: 'rice-1kg',
            barcode: '6001234567890',
            name: 'Riz 1kg',
            price_minor: 1000,
            currency: 'XOF',
            tax_rate_bp: 1800,
            active: true,
          },
        ],
      },
    });
    expect(catalog.status).toBeLessThan(300);

    core = await createCore({
      dataDir: await mkdtemp(join(tmpdir(), 'outpost-till-')),
      appVersion: '0.0.0-test',
      platform: 'linux',
      defaultServerUrl: server.url,
      keyStore: new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` }),
      reachabilityIntervalMs: 100,
    });
    // Signed in first: the sales then follow the enrollment as closely as before.
    await signedIn(core);
    await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
    await call('pos.shift.open', { floatMinor: 10_000 });
    for (let i = 1; i <= 3; i++) {
      await call('pos.sale.capture', {
        lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: i, unitPriceMinor: 1000, taxRateBp: 1800 }],
        tenders: [{ type: 'cash', amountMinor: 5000 }],
      });
    }

    await call('sync.now');
    await next<SyncStatus>('sync.status', (s) => s.counts.accepted === 3);
    // Automatic sync may have pushed an early sale on its own, so one or two bundles: all accepted.
    const bundles = await server.pool.query<{ status: string }>('select status from offline_tx_bundles');
    expect(bundles.rows.length).toBeGreaterThan(0);
    expect(new Set(bundles.rows.map((b) => b.status))).toEqual(new Set(['accepted']));

    // The worker posts the ledger; a second pass finds nothing left to do.
    await runOnce({ pool: server.pool });
    await runOnce({ pool: server.pool });
    await call('sync.now');
    await next<SyncStatus>('sync.status', (s) => s.counts.reconciled === 3);

    const entries = await server.pool.query<{ n: string }>(
      'select count(distinct sale_id)::text as n from ledger_entries',
    );
    expect(entries.rows[0]!.n).toBe('3');
    const ledger = await runLedgerCheck(server.pool);
    expect(ledger).toMatchObject({ balanced: true });

    // The catalog reached the till with the pull.
    const found = (await call('pos.catalog.byBarcode', { barcode: '6001234567890' })) as {
      item: { sku: string } | null;
    };
    expect(found.item?.sku).toBe('rice-1kg');
  });
});
