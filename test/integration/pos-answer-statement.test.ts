import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { CatalogEntry, SyncStatus } from '../../protocol/api';
import { generateEd25519 } from '../../protocol/crypto';
import type { CatalogItem, PaymentsPullResponse } from '../../protocol/http';
import { newRequestNonce, signServerStatement } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { deviceCall, registerLaptop } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { codeOf, signedIn, tillCore } from '../support/till';
import { proxiedTillHooks, startTamperingProxy, type Tamper, type TamperingProxy } from './tampering-proxy';

/**
 * Issue #16 on the till, what the signed policy statement did not cover yet: the rest of the pull
 * answer (prices, products, the outcomes of the till's bundles) and the check-in's word that the
 * till is revoked. A proxy on the till's network (a cashier's own, or anyone on the shop's Wi-Fi)
 * rewrites them. Real core (encrypted store, keys in the real Secret Service), real server on
 * PostgreSQL, the proxy in between. Every rewrite is refused and changes nothing on the till.
 */
const PULL = '/offline/sync/payments';
const PUSH = '/offline/push';
const CHECK_IN = '/offline/devices/check-in';
const TENANT = { tenant_type: 'merchant', tenant_id: 'shop-16-answers' } as const;
const RICE: CatalogItem = {
  sku: 'rice-5kg',
  barcode: null,
  name: 'Rice 5 kg',
  price_minor: 4_500,
  currency: 'XOF',
  tax_rate_bp: 0,
  active: true,
};

let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let till: Core;
let adminToken: string;
const attacker = generateEd25519();

const callOn = (core: Core, method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const call = (method: string, input: unknown = {}) => callOn(till, method, input);
const syncNow = async () => (await call('sync.now')) as SyncStatus;
async function catalog(query: string): Promise<CatalogEntry[]> {
  return ((await call('pos.catalog.search', { query })) as { items: CatalogEntry[] }).items;
}
async function upsertCatalog(items: CatalogItem[]): Promise<void> {
  const res = await server.call('POST', '/offline/catalog', {
    token: adminToken,
    body: { ...TENANT, items },
  });
  expect(res.status).toBe(200);
}
/** A till of the tenant behind the proxy, enrolled with a code, shift open. */
async function enrolledTill(): Promise<Core> {
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: adminToken,
    body: { ...TENANT, country: 'SN', currency_default: 'XOF' },
  });
  const core = await tillCore(proxy.url);
  await callOn(core, 'enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  await signedIn(core);
  await callOn(core, 'pos.shift.open', { floatMinor: 0 });
  return core;
}
const cashSale = (amountMinor: number) =>
  call('pos.sale.capture', {
    lines: [{ sku: RICE.sku, name: RICE.name, qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor }],
  });

type Pull = PaymentsPullResponse;
/** Rewrites the pull's answers with `edit` (its genuine statement kept as it came). */
const onPull =
  (edit: (answer: Pull) => Pull): Tamper =>
  ({ path, answer }) =>
    path === PULL && typeof answer === 'object' && answer !== null
      ? { body: edit(structuredClone(answer) as Pull) }
      : null;
const deviceId = async (core: Core) => ((await callOn(core, 'app.status')) as { deviceId: string }).deviceId;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  adminToken = (await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin'])).token;
  expect(
    (await server.call('POST', '/offline/policies', { token: adminToken, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
  await upsertCatalog([RICE]);
  till = await enrolledTill();
  // Untampered: the till learns the price and has one sale accepted.
  await cashSale(RICE.price_minor);
  expect(await syncNow()).toMatchObject({ lastErrorCode: null, counts: { accepted: 1, rejected: 0 } });
  expect(await catalog('Rice')).toMatchObject([{ sku: RICE.sku, priceMinor: 4_500 }]);
}, 120_000);
proxiedTillHooks(() => ({ till, proxy, server, session }));

describe('a proxy rewriting the pull answer beside its genuine statement', () => {
  it('a price cut to 5 XOF: POLICY_STATEMENT_INVALID, the till keeps the price it had', async () => {
    await upsertCatalog([{ ...RICE, price_minor: 4_800 }]);
    proxy.tamper = onPull((a) => ({ ...a, catalog: a.catalog.map((i) => ({ ...i, price_minor: 5 })) }));
    expect((await syncNow()).lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
    expect(await catalog('Rice')).toMatchObject([{ priceMinor: 4_500 }]);
  });

  it('a product added: refused, the till does not know it', async () => {
    proxy.tamper = onPull((a) => ({
      ...a,
      catalog: [...a.catalog, { ...RICE, sku: 'gold-bar', name: 'Gold bar', price_minor: 1 }],
    }));
    expect((await syncNow()).lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
    expect(await catalog('Gold')).toEqual([]);
  });

  it('the till’s accepted bundle marked rejected: refused, the sale stays accepted and sync is not blocked', async () => {
    const pushed = proxy.answers.find((a) => a.path === PUSH)!.body as { bundle_id: string };
    proxy.tamper = onPull((a) => ({
      ...a,
      bundles: [
        {
          bundle_id: pushed.bundle_id,
          status: 'rejected',
          reasons: [],
          updated_at: new Date().toISOString(),
        },
      ],
    }));
    const status = await syncNow();
    expect(status.counts).toMatchObject({ accepted: 1, rejected: 0 });
    expect(status.state).not.toBe('blocked');
    expect(status.lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
  });

  it('untouched, the server’s own answer is applied: the new price arrives', async () => {
    expect(await syncNow()).toMatchObject({ lastErrorCode: null, counts: { accepted: 1, rejected: 0 } });
    expect(await catalog('Rice')).toMatchObject([{ priceMinor: 4_800 }]);
  });
});

describe('a proxy rewriting a push answer (POST /offline/push)', () => {
  const onPush =
    (edit: (answer: Record<string, unknown>) => unknown): Tamper =>
    ({ path, answer }) =>
      path === PUSH && typeof answer === 'object' && answer !== null
        ? { body: edit(structuredClone(answer) as Record<string, unknown>) }
        : null;
  const attacks: [string, Tamper][] = [
    [
      'the status raised to reconciled, the genuine statement kept',
      onPush((a) => ({ ...a, status: 'reconciled' })),
    ],
    ['the statement removed', onPush(({ statement: _dropped, ...a }) => ({ ...a, status: 'reconciled' }))],
  ];

  it.each(attacks)(
    '%s: not believed; the sale takes the status the server signed in the pull',
    async (_name, tamper) => {
      const { accepted } = (await syncNow()).counts;
      let rewritten = 0;
      // Before the sale: recording one kicks a sync round of its own.
      proxy.tamper = (exchange) => {
        const changed = tamper(exchange);
        if (changed) rewritten++;
        return changed;
      };
      await cashSale(RICE.price_minor);
      const status = await syncNow();
      expect(rewritten).toBeGreaterThan(0);
      // Not believed: the round's signed pull brings the server's own outcome for the bundle.
      expect(status.counts).toMatchObject({ reconciled: 0, accepted: accepted + 1, pushed: 0, rejected: 0 });
    },
  );
});

describe('a proxy saying the till is revoked on check-in', () => {
  const bare404 = { error: { code: 'DEVICE_NOT_FOUND', message: 'Device not registered or revoked' } };
  let genuineRevocation: unknown;
  /** The till's device id, which the proxy's own statement names. */
  let proxyTarget = '';

  beforeAll(async () => {
    // A genuine signed revocation, of another device, for that device's request: what a replay sends.
    const student = await server.user(`student-${randomUUID()}@school.test`, ['student']);
    const other = await registerLaptop(server, student.token);
    const removed = await server.call('DELETE', `/api/v1/offline/devices/${other.id}`, {
      token: student.token,
    });
    expect(removed.status).toBe(200);
    const answer = await deviceCall(server, other, 'POST', CHECK_IN, { request_nonce: newRequestNonce() });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { details: { statement: { device_status: 'revoked' } } } });
    genuineRevocation = answer.body;
  }, 60_000);

  const attacks: [string, Tamper][] = [
    [
      'a bare 404 DEVICE_NOT_FOUND',
      ({ path }) => (path === CHECK_IN ? { status: 404, body: bare404 } : null),
    ],
    [
      'a 404 whose statement the proxy signed itself for this device and request',
      ({ path, request }) =>
        path === CHECK_IN
          ? {
              status: 404,
              body: {
                error: {
                  ...bare404.error,
                  details: {
                    statement: signServerStatement(
                      { privateKey: attacker.privateKey, kid: 'ed25519:proxy' },
                      {
                        device_id: proxyTarget,
                        request_nonce: (request as { request_nonce: string }).request_nonce,
                        server_time: new Date().toISOString(),
                        licences: [],
                        device_status: 'revoked',
                      },
                    ),
                  },
                },
              },
            }
          : null,
    ],
    [
      'another till’s genuine signed revocation, replayed',
      ({ path }) => (path === CHECK_IN ? { status: 404, body: genuineRevocation } : null),
    ],
  ];

  it.each(attacks)('%s: REVOCATION_UNVERIFIED, the till stays enrolled and sells', async (_name, tamper) => {
    proxyTarget = await deviceId(till);
    proxy.tamper = tamper;
    expect(await codeOf(call('enrollment.checkIn'))).toBe('REVOCATION_UNVERIFIED');
    expect(await call('enrollment.get')).toMatchObject({ state: 'enrolled' });
    expect(await codeOf(cashSale(RICE.price_minor))).toBe('no refusal (null)');
  });

  it('an answer whose unsigned status says revoked (genuine statement kept): the till stays enrolled', async () => {
    proxy.tamper = ({ path, answer }) =>
      path === CHECK_IN ? { body: { ...(answer as object), status: 'revoked' } } : null;
    expect(await call('enrollment.checkIn')).toMatchObject({ state: 'enrolled' });
    expect(await codeOf(cashSale(RICE.price_minor))).toBe('no refusal (null)');
  });

  it('the server’s own signed revocation revokes the till', async () => {
    await server.pool.query("UPDATE offline_devices SET status = 'revoked' WHERE device_id = $1", [
      await deviceId(till),
    ]);
    expect(await call('enrollment.checkIn')).toMatchObject({ state: 'revoked' });
  });
});
