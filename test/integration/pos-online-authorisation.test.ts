import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { DeviceStatus, SyncStatus } from '../../protocol/api';
import { generateEd25519 } from '../../protocol/crypto/ed25519';
import { signServerStatement } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { codeOf, nextOf, signedIn, tillCore } from '../support/till';
import { proxiedTillHooks, startTamperingProxy, type Tamper, type TamperingProxy } from './tampering-proxy';

/**
 * Issue #18, item 7, at the till: online, a sale above the offline maximum (100 000 XOF) is not
 * refused as if offline. The till asks the server to authorise it, verifies the signed answer with
 * its pinned server key, records the sale with the authorisation and pushes it at once; the server
 * accepts it. A proxy that forges, alters or replays the authorisation gets the sale refused with
 * LIMIT_AMOUNT naming why, and nothing recorded. Real core (keychain, encrypted store), real server
 * on PostgreSQL, the project's tampering proxy between.
 */
const PATH = '/offline/online-authorisations';
/** No manager above the maximum here: the approval threshold is above the test sale. */
const POLICY = { ...SN_POLICY_INPUT, approval_threshold: 500_000 };
const BIG = 250_000;
let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let till: Core;
const attackerServer = generateEd25519();

const call = (method: string, input: unknown = {}) => callCommand(till.handlers, method, input);
const next = <T>(topic: string, until: (item: T) => boolean): Promise<T> => nextOf<T>(till, topic, until);
const sell = (price: number) =>
  call('pos.sale.capture', {
    lines: [{ sku: 'tv', name: 'Télévision', qty: 1, unitPriceMinor: price, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor: price }],
  });
const storedSales = async () =>
  Number(
    (await server.pool.query<{ n: string }>('SELECT count(*) AS n FROM offline_transactions')).rows[0]!.n,
  );
const authorisations = async () =>
  (
    await server.pool.query<{ sale_id: string; used_at: Date | null }>(
      'SELECT sale_id, used_at FROM offline_online_authorisations ORDER BY issued_at',
    )
  ).rows;
/** Rewrites the authorisation answers with `edit` (request: what the till sent). */
const onAuthorise =
  (edit: (answer: Record<string, unknown>, request: Record<string, unknown>) => unknown): Tamper =>
  ({ path, answer, request }) =>
    path === PATH && typeof answer === 'object' && answer !== null
      ? {
          body: edit(structuredClone(answer) as Record<string, unknown>, request as Record<string, unknown>),
        }
      : null;

/** The sale is refused as unverified, nothing is recorded or pushed. */
async function refusedUnverified(): Promise<void> {
  const error = await sell(BIG).then(
    () => null,
    (e: unknown) => e as { code: string; details: { authorisation?: string } },
  );
  expect(error?.code).toBe('LIMIT_AMOUNT');
  expect(error?.details.authorisation).toBe('unverified');
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  expect((await server.call('POST', '/offline/policies', { token: admin.token, body: POLICY })).status).toBe(
    200,
  );
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-oa', country: 'SN', currency_default: 'XOF' },
  });
  // A push window longer than the test: an authorised sale is pushed at once all the same (#23).
  till = await tillCore(proxy.url, { reachabilityIntervalMs: 100, salePushWindowMs: 600_000 });
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  await signedIn(till);
  await call('pos.shift.open', { floatMinor: 10_000 });
  await next<DeviceStatus>('device.status', (s) => s.server.reachability === 'online');
}, 120_000);
proxiedTillHooks(() => ({ till, proxy, server, session }));

describe('an online sale above the offline maximum', () => {
  it('is authorised by the server, recorded with it, pushed at once and accepted', async () => {
    const sale = (await sell(BIG)) as { saleId: string; totalMinor: number };
    expect(sale.totalMinor).toBe(BIG);
    // Pushed by the recording itself (no sync.now, and no waiting for the push window).
    await next<SyncStatus>('sync.status', (s) => s.counts.accepted >= 1);
    const { rows } = await server.pool.query<{ status: string; sira_score: number }>(
      'SELECT b.status, b.sira_score::float8 AS sira_score FROM offline_tx_bundles b JOIN offline_transactions t USING (bundle_id) WHERE t.sale_id = $1',
      [sale.saleId],
    );
    expect(rows).toEqual([{ status: 'accepted', sira_score: 0 }]);
    expect(await authorisations()).toEqual([{ sale_id: sale.saleId, used_at: expect.any(Date) }]);
  });

  it('an answer whose amount a proxy changed (the signature no longer matches): refused, nothing recorded', async () => {
    const stored = await storedSales();
    proxy.tamper = onAuthorise((a) => {
      const statement = a.statement as { online_authorisation: { amount_minor: number } };
      statement.online_authorisation.amount_minor = 1;
      return a;
    });
    await refusedUnverified();
    proxy.tamper = null;
    await call('sync.now');
    expect(await storedSales()).toBe(stored);
  });

  it('a statement the proxy signed with its own key, for this till and request: refused', async () => {
    const { deviceId } = (await call('app.status')) as { deviceId: string };
    proxy.tamper = onAuthorise((a, request) => {
      const grant = {
        authorisation_id: randomUUID(),
        sale_id: request.sale_id as string,
        amount_minor: request.amount_minor as number,
        currency: 'XOF',
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      };
      return {
        authorisation: grant,
        statement: signServerStatement(
          { privateKey: attackerServer.privateKey, kid: 'ed25519:proxy' },
          {
            device_id: deviceId,
            request_nonce: request.request_nonce as string,
            server_time: new Date().toISOString(),
            licences: [],
            online_authorisation: grant,
          },
        ),
      };
    });
    await refusedUnverified();
  });

  it('a genuine earlier answer replayed (another request, another sale): refused', async () => {
    const genuine = proxy.answers.filter((a) => a.path === PATH).at(0)?.body;
    expect(genuine).toMatchObject({ authorisation: { amount_minor: BIG } });
    proxy.tamper = ({ path }) => (path === PATH ? { body: genuine } : null);
    await refusedUnverified();
  });

  it('refused by the server (above the online cap): LIMIT_AMOUNT saying the server did not authorise it', async () => {
    const error = await sell(POLICY.max_unsynced_amount + 1).then(
      () => null,
      (e: unknown) => e as { code: string; details: { authorisation?: string } },
    );
    expect(error).toMatchObject({ code: 'LIMIT_AMOUNT', details: { authorisation: 'refused' } });
    expect(await codeOf(sell(POLICY.max_unsynced_amount + 1))).toBe('LIMIT_AMOUNT');
  });
});
