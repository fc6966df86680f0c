import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { generateEd25519 } from '../../protocol/crypto';
import type { Policy, PolicyInput } from '../../protocol/http';
import { signServerStatement, type ServerStatement } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { codeOf, signedIn, tillCore } from '../support/till';
import { startTamperingProxy, type Tamper, type TamperingProxy } from './tampering-proxy';

/**
 * Issue #16, item 4, on the till: whoever controls its network (a cashier with their own proxy
 * and CA) rewrites the pull and check-in answers to loosen the offline policy — a higher amount
 * limit, a higher approval threshold so no manager PIN is asked. Real core (encrypted store, keys
 * in the real Secret Service), real server on PostgreSQL, the proxy in between. Every rewrite is
 * refused with POLICY_STATEMENT_INVALID and the till keeps refusing and asking as before.
 */
const PULL = '/offline/sync/payments';
const CHECK_IN = '/offline/devices/check-in';
/** What the server had before the operator tightened it, and what the attacker wants back. */
const LOOSE = { max_offline_amount: 1_000_000, approval_threshold: 900_000, max_unsynced_amount: 5_000_000 };

let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let core: Core;
let adminToken: string;
const attacker = generateEd25519();
/** Genuine, server-signed answers from while the policy was loose: what a replay sends back. */
const recorded: Record<string, unknown> = {};

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const sale = (amountMinor: number) =>
  call('pos.sale.capture', {
    lines: [{ sku: 'tv-1', name: 'TV', qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor }],
  });
async function setPolicy(changes: Partial<PolicyInput>): Promise<void> {
  const res = await server.call('POST', '/offline/policies', {
    token: adminToken,
    body: { ...SN_POLICY_INPUT, ...changes },
  });
  expect(res.status).toBe(200);
}
const lastOf = (path: string) => structuredClone(proxy.answers.filter((a) => a.path === path).at(-1)!.body);

type Answer = { policy: Policy | null; statement?: ServerStatement; server_time: string };
/** Rewrites one route's answers with `edit`; every other exchange passes untouched. */
const onPath =
  (path: string, edit: (answer: Answer) => unknown): Tamper =>
  (exchange) =>
    exchange.path === path && typeof exchange.answer === 'object' && exchange.answer !== null
      ? { body: edit(structuredClone(exchange.answer) as Answer) }
      : null;
const loosened = (policy: Policy | null): Policy => ({ ...policy!, ...LOOSE });

/** The attacks, each for a route: what the proxy does to its answer. */
function attacks(path: string): [string, Tamper][] {
  return [
    [
      'the policy raised in the answer and in its statement (signature no longer matches)',
      onPath(path, (a) => ({
        ...a,
        policy: loosened(a.policy),
        statement: { ...a.statement!, policy: loosened(a.statement!.policy ?? null) },
      })),
    ],
    [
      'the policy raised and the statement removed',
      onPath(path, ({ statement: _dropped, ...a }) => ({ ...a, policy: loosened(a.policy) })),
    ],
    [
      'the statement re-signed by the attacker for this device and this request',
      onPath(path, (a) => ({
        ...a,
        policy: loosened(a.policy),
        statement: signServerStatement(
          { privateKey: attacker.privateKey, kid: a.statement!.server_key_id },
          {
            device_id: a.statement!.device_id,
            request_nonce: a.statement!.request_nonce,
            server_time: a.statement!.server_time,
            licences: [],
            policy: loosened(a.statement!.policy ?? null),
          },
        ),
      })),
    ],
    ['a genuine signed answer from while the policy was loose, replayed', onPath(path, () => recorded[path])],
  ];
}

/**
 * What the tight policy makes the till do: refuse above 100,000 unless the server authorises the
 * sale online (issue #18, item 7: it does up to max_unsynced_amount, 500,000, so 600,000 is refused
 * whatever the connection, where the loosened policy would take it offline), and ask a manager
 * above 50,000.
 */
async function expectTightPolicy(): Promise<void> {
  expect(await codeOf(sale(600_000))).toBe('LIMIT_AMOUNT');
  expect(await codeOf(sale(60_000))).toBe('APPROVAL_REQUIRED');
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  adminToken = (await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin'])).token;
  await setPolicy(LOOSE);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: adminToken,
    body: { tenant_type: 'merchant', tenant_id: 'shop-16', country: 'SN', currency_default: 'XOF' },
  });
  // The cashier's network: every request of the till goes through the proxy.
  core = await tillCore(proxy.url);
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  await signedIn(core);
  await call('pos.shift.open', { floatMinor: 0 });

  // While the policy is loose, genuine signed answers pass and are kept by the proxy.
  expect((await call('sync.now')) as SyncStatus).toMatchObject({ lastErrorCode: null });
  recorded[PULL] = lastOf(PULL);
  await call('enrollment.checkIn');
  recorded[CHECK_IN] = lastOf(CHECK_IN);
  // The till applied it: a 60,000 sale needs no manager.
  expect(await codeOf(sale(60_000))).toBe('no refusal (null)');

  // The operator tightens the country's policy; the till learns it through the signed pull.
  await setPolicy({});
  expect((await call('sync.now')) as SyncStatus).toMatchObject({ lastErrorCode: null });
  await expectTightPolicy();
}, 120_000);

afterAll(async () => {
  await core?.close();
  await proxy?.close();
  await server?.close();
  await session?.stop();
});

describe('a proxy loosening the till policy on the pull (GET /offline/sync/payments)', () => {
  it.each(attacks(PULL))('%s: POLICY_STATEMENT_INVALID, the till keeps its policy', async (_name, tamper) => {
    proxy.tamper = tamper;
    const status = (await call('sync.now').finally(() => (proxy.tamper = null))) as SyncStatus;
    // The harm first: a loosened policy would let these sales through without a manager.
    await expectTightPolicy();
    expect(status.lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
  });
});

describe('a proxy loosening the till policy on check-in (POST /offline/devices/check-in)', () => {
  it.each(attacks(CHECK_IN))(
    '%s: POLICY_STATEMENT_INVALID, the till keeps its policy',
    async (_name, tamper) => {
      proxy.tamper = tamper;
      const code = await codeOf(call('enrollment.checkIn').finally(() => (proxy.tamper = null)));
      await expectTightPolicy();
      expect(code).toBe('POLICY_STATEMENT_INVALID');
      expect(await call('enrollment.get')).toMatchObject({ state: 'enrolled' });
    },
  );
});

describe('the server’s own answers', () => {
  it('still move the till: a genuine loosening by the operator is applied at the next pull', async () => {
    expect((await call('sync.now')) as SyncStatus).toMatchObject({ lastErrorCode: null });
    await expectTightPolicy();
    await setPolicy({ approval_threshold: 70_000 });
    expect((await call('sync.now')) as SyncStatus).toMatchObject({ lastErrorCode: null });
    expect(await codeOf(sale(60_000))).toBe('no refusal (null)');
    expect(await codeOf(sale(600_000))).toBe('LIMIT_AMOUNT');
  });
});
