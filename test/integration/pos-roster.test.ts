import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { Cashier, SaleSummary, SyncStatus } from '../../protocol/api';
import type { PaymentsPullResponse } from '../../protocol/http';
import type { CashierRoster } from '../../protocol/http/cashier-roster';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { codeOf, nextOf, tillCore } from '../support/till';
import { startTamperingProxy, type TamperingProxy } from './tampering-proxy';

/**
 * The back office's cashiers at a real till (issue #19, item 3): real core (encrypted store, the
 * OS keychain), real server on real PostgreSQL, the till's network through a proxy an attacker runs.
 * The console's roster replaces the till's own accounts; a PIN reset or a disable takes effect at
 * the next pull; a roster a proxy forges, strips or a rolled-back server replays is refused.
 */
let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let core: Core;
let admin: string;
const TENANT = { tenant_type: 'merchant', tenant_id: 'shop-roster' } as const;
const PULL = '/offline/sync/payments';
/** Every answer the till's UI got, as it would cross IPC: no PIN verifier may be in any of them. */
const seen: unknown[] = [];

const call = async (method: string, input: unknown = {}) => {
  const answer = await callCommand(core.handlers, method, input);
  seen.push(answer);
  return answer;
};
const sync = async () => (await call('sync.now')) as SyncStatus;
const console_ = (method: string, path: string, body?: object) =>
  server.call(method, path, { token: admin, ...(body ? { body } : {}) });
const one = (id: string) => `/console/cashiers/${TENANT.tenant_type}/${TENANT.tenant_id}/${id}`;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  admin = (await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin'])).token;
  expect((await console_('POST', '/offline/policies', SN_POLICY_INPUT)).status).toBe(200);
  for (const [cashier_id, name, role, pin] of [
    ['awa', 'Awa Ndiaye', 'manager', '246810'],
    ['bob', 'Bob Diallo', 'cashier', '135790'],
  ] as const) {
    const added = await console_('POST', '/console/cashiers', { ...TENANT, cashier_id, name, role, pin });
    expect(added.status, added.text).toBe(201);
  }
  const issued = await console_('POST', '/offline/enrollment-codes', {
    ...TENANT,
    country: 'SN',
    currency_default: 'XOF',
  });
  core = await tillCore(proxy.url);
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
}, 120_000);

afterAll(async () => {
  await core?.close();
  await proxy?.close();
  await server?.close();
  await session?.stop();
});

const cashierIds = async () =>
  ((await call('pos.cashier.list')) as { cashiers: Cashier[] }).cashiers.map((c) => c.cashierId);
const signIn = (cashierId: string, pin: string) => codeOf(call('pos.cashier.signIn', { cashierId, pin }));

describe('the console’s roster at the till', () => {
  it('replaces the till’s accounts: its cashiers sign in with their PINs and sales are theirs', async () => {
    expect(await cashierIds()).toEqual([]);
    expect(await sync()).toMatchObject({ lastErrorCode: null });
    expect(await cashierIds()).toEqual(['awa', 'bob']);
    expect(await signIn('awa', '246810')).toBe('no refusal (null)');
    await call('pos.shift.open', { floatMinor: 0 });
    await call('pos.cashier.lock');
    expect(await signIn('bob', '000000')).toBe('CASHIER_PIN_INVALID');
    expect(await signIn('bob', '135790')).toBe('no refusal (null)');
    const sale = (await call('pos.sale.capture', {
      lines: [{ sku: 'rice', name: 'Rice', qty: 1, unitPriceMinor: 1000, taxRateBp: 0 }],
      tenders: [{ type: 'cash', amountMinor: 1000 }],
    })) as SaleSummary;
    expect(sale.cashierId).toBe('bob');
    // Accounts are changed in the back office now, not at the till, even by its manager.
    expect(
      await codeOf(
        call('pos.cashier.set', {
          cashierId: 'eve',
          name: 'Eve',
          role: 'manager',
          pin: '1111',
          authorizedBy: { managerId: 'awa', pin: '246810' },
        }),
      ),
    ).toBe('CASHIERS_MANAGED_CENTRALLY');
  });

  it('a PIN reset refuses the old PIN, and a disable signs the cashier out and refuses them, after the next pull', async () => {
    expect(await signIn('bob', '135790')).toBe('no refusal (null)');
    expect((await console_('POST', `${one('bob')}/pin`, { pin: '975310' })).status).toBe(200);
    expect(await signIn('bob', '975310')).toBe('CASHIER_PIN_INVALID'); // not pulled yet
    expect(await sync()).toMatchObject({ lastErrorCode: null });
    expect(await signIn('bob', '135790')).toBe('CASHIER_PIN_INVALID');
    expect(await signIn('bob', '975310')).toBe('no refusal (null)');

    expect((await console_('POST', `${one('bob')}/status`, { disabled: true })).status).toBe(200);
    expect(await sync()).toMatchObject({ lastErrorCode: null });
    await nextOf<{ cashier: Cashier | null }>(core, 'pos.cashier.current', (c) => c.cashier === null);
    expect(await signIn('bob', '975310')).toBe('CASHIER_DISABLED');
    expect(await signIn('awa', '246810')).toBe('no refusal (null)');
  });
});

describe('a roster the till must not take', () => {
  const rosterOf = (answer: unknown) => (answer as PaymentsPullResponse).roster as CashierRoster;

  it('a proxy’s forged roster (a cashier of its own) refuses the page; the forged cashier cannot sign in', async () => {
    proxy.tamper = ({ path, answer }) => {
      if (path !== PULL) return null;
      const roster = rosterOf(answer);
      const awa = roster.cashiers.find((c) => c.cashier_id === 'awa')!;
      return {
        body: {
          ...(answer as object),
          roster: { ...roster, cashiers: [...roster.cashiers, { ...awa, cashier_id: 'mallory' }] },
        },
      };
    };
    const status = await sync().finally(() => (proxy.tamper = null));
    expect(await signIn('mallory', '246810')).toBe('CASHIER_PIN_INVALID');
    expect(status.lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
  });

  it('a proxy stripping the roster cannot hold back a disable', async () => {
    expect((await console_('POST', `${one('awa')}/status`, { disabled: true })).status).toBe(200);
    proxy.tamper = ({ path, answer }) => {
      if (path !== PULL) return null;
      const { roster: _dropped, ...rest } = answer as PaymentsPullResponse;
      return { body: rest };
    };
    // The till notices: the answer without its roster is refused as a whole, not taken as "no change".
    const status = await sync().finally(() => (proxy.tamper = null));
    expect(status.lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
    // The first genuine pull brings the disable.
    expect(await sync()).toMatchObject({ lastErrorCode: null });
    expect(await signIn('awa', '246810')).toBe('CASHIER_DISABLED');
    expect((await console_('POST', `${one('awa')}/status`, { disabled: false })).status).toBe(200);
    expect(await sync()).toMatchObject({ lastErrorCode: null });
    expect(await signIn('awa', '246810')).toBe('no refusal (null)');
  });

  it('a server database rolled back to before a disable signs an older roster: ROSTER_INVALID, the old PIN stays refused', async () => {
    // Bob is disabled at the till's roster version; the database is put back as it was when his
    // PIN was 135790 and he was enabled, at version 1.
    const { rows } = await server.pool.query<{ version: string }>(
      'SELECT version::text FROM shop_rosters WHERE tenant_id = $1',
      [TENANT.tenant_id],
    );
    expect(Number(rows[0]!.version)).toBeGreaterThan(2);
    const first = proxy.answers.find((a) => a.path === PULL && rosterOf(a.body))!;
    const oldBob = rosterOf(first.body).cashiers.find((c) => c.cashier_id === 'bob')!;
    await server.pool.query(
      `UPDATE shop_cashiers SET disabled = false, pin_verifier = $2 WHERE tenant_id = $1 AND cashier_id = 'bob'`,
      [TENANT.tenant_id, oldBob.pin],
    );
    await server.pool.query('UPDATE shop_rosters SET version = 1 WHERE tenant_id = $1', [TENANT.tenant_id]);
    const status = await sync();
    expect(await signIn('bob', '135790')).toBe('CASHIER_DISABLED');
    expect(status.lastErrorCode).toBe('ROSTER_INVALID');
  });

  it('no answer the till’s UI got carries a PIN verifier', () => {
    const verifiers = proxy.answers
      .filter((a) => a.path === PULL && rosterOf(a.body))
      .flatMap((a) => rosterOf(a.body).cashiers.flatMap((c) => (c.pin ? [c.pin.hash, c.pin.salt] : [])));
    expect(verifiers.length).toBeGreaterThan(4);
    const text = JSON.stringify(seen);
    for (const secret of verifiers) expect(text).not.toContain(secret);
  });
});
