import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, push, SN_POLICY, type Terminal } from './test-support';

/**
 * Attack of issue #16, twelfth red-team pass L-B, against the real server and PostgreSQL: a shop's
 * cashier disabled in the back office (or one the shop never had) kept selling: a till offline
 * since the disable, or a compromised one, pushed the sale and it was accepted and posted with no
 * reason. For a tenant with a roster every sale's cashier is now checked against it.
 */

let s: TestServer;
let admin: string;
const SHOP = { tenant_type: 'merchant', tenant_id: 'cashier-sales' } as const;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('cashier-sales@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  for (const cashier_id of ['ann', 'bob']) {
    const res = await s.call('POST', '/console/cashiers', {
      token: admin,
      body: { ...SHOP, cashier_id, name: cashier_id, role: 'cashier', pin: '482916' },
    });
    expect(res.status, res.text).toBe(201);
  }
});
afterAll(async () => {
  await s?.close();
});

const at = (ms: number) => new Date(Date.now() + ms);
/** One sale in its own bundle, a second after the till's previous sale unless dated. */
async function pushOne(till: Terminal, spec: { cashierId?: string; createdAt?: Date }) {
  const createdAt = spec.createdAt ?? new Date(till.lastAt + 1000);
  const res = await push(s, await till.bundle([till.sale({ ...spec, createdAt })]));
  expect(res.status).toBe(200);
  return { status: res.body.status, reasons: res.body.reasons };
}

describe("a sale's cashier is checked against the shop's roster", () => {
  let till: Terminal;
  beforeAll(async () => {
    till = await enrollTerminal(s, admin, { tenantId: SHOP.tenant_id });
  });

  it('accepts sales of active cashiers, and of one before they were disabled', async () => {
    expect(await pushOne(till, { cashierId: 'ann', createdAt: at(-300_000) })).toEqual({
      status: 'accepted',
      reasons: [],
    });
    // Recorded while bob was still active, pushed once he is disabled: not held for it.
    const before = till.sale({ cashierId: 'bob', createdAt: at(-240_000) });
    const disable = await s.call('POST', '/console/cashiers/merchant/cashier-sales/bob/status', {
      token: admin,
      body: { disabled: true },
    });
    expect(disable.status, disable.text).toBe(200);
    const res = await push(s, await till.bundle([before]));
    expect([res.body.status, res.body.reasons]).toEqual(['accepted', []]);
  });

  it('holds for review a sale by a cashier disabled before it', async () => {
    const { rows } = await s.pool.query<{ disabled_at: Date }>(
      "SELECT disabled_at FROM shop_cashiers WHERE tenant_id = $1 AND cashier_id = 'bob'",
      [SHOP.tenant_id],
    );
    const after = await pushOne(till, {
      cashierId: 'bob',
      createdAt: new Date(rows[0]!.disabled_at.getTime() + 1000),
    });
    expect(after.status).toBe('review');
    expect(after.reasons.map((r) => r.code)).toEqual(['CASHIER_DISABLED']);
    expect(after.reasons[0]!.detail).toContain('bob');
  });

  it('holds for review a sale by a cashier the shop never had, or by none', async () => {
    const stranger = await pushOne(till, { cashierId: 'mallory' });
    expect(stranger.status).toBe('review');
    expect(stranger.reasons.map((r) => r.code)).toEqual(['CASHIER_UNKNOWN']);
    // The id is the terminal's own text: the detail names the sale, not it.
    expect(stranger.reasons[0]!.detail).not.toContain('mallory');
    const nobody = await pushOne(till, {});
    expect([nobody.status, nobody.reasons.map((r) => r.code)]).toEqual(['review', ['CASHIER_UNKNOWN']]);
    // Held, so nothing of them is queued for the ledger.
    const queued = await s.pool.query(
      `SELECT 1 FROM offline_tx_bundles WHERE device_id = $1 AND status NOT IN ('accepted', 'review')`,
      [till.id],
    );
    expect(queued.rowCount).toBe(0);
  });

  it('still holds a sale made while a cashier was disabled after they are enabled again', async () => {
    // 13th pass: enabling cleared disabled_at, and a stale till's sale from the disabled time,
    // pushed after, was accepted silently. The server keeps every disabled period now.
    const created = await s.call('POST', '/console/cashiers', {
      token: admin,
      body: { ...SHOP, cashier_id: 'cyd', name: 'cyd', role: 'cashier', pin: '482916' },
    });
    expect(created.status, created.text).toBe(201);
    const status = (disabled: boolean) =>
      s.call('POST', '/console/cashiers/merchant/cashier-sales/cyd/status', {
        token: admin,
        body: { disabled },
      });
    expect((await status(true)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await status(false)).status).toBe(200);
    const { rows } = await s.pool.query<{ disabled_at: Date; enabled_at: Date }>(
      `SELECT disabled_at, enabled_at FROM shop_cashier_disabled_periods
       WHERE tenant_type = $1 AND tenant_id = $2 AND cashier_id = 'cyd'`,
      [SHOP.tenant_type, SHOP.tenant_id],
    );
    expect(rows).toHaveLength(1);
    const { disabled_at: from, enabled_at: to } = rows[0]!;
    // The back office shows cyd active again.
    const cashier = await s.pool.query(
      "SELECT disabled, disabled_at FROM shop_cashiers WHERE cashier_id = 'cyd'",
    );
    expect(cashier.rows[0]).toEqual({ disabled: false, disabled_at: null });

    const stale = await enrollTerminal(s, admin, { tenantId: SHOP.tenant_id });
    const before = await pushOne(stale, { cashierId: 'cyd', createdAt: new Date(from.getTime() - 1_000) });
    expect(before).toEqual({ status: 'accepted', reasons: [] });
    const meanwhile = await pushOne(stale, {
      cashierId: 'cyd',
      createdAt: new Date(Math.ceil((from.getTime() + to.getTime()) / 2)),
    });
    expect(meanwhile.status).toBe('review');
    expect(meanwhile.reasons.map((r) => r.code)).toEqual(['CASHIER_DISABLED']);
    const since = await pushOne(stale, { cashierId: 'cyd', createdAt: new Date(to.getTime() + 1) });
    expect(since).toEqual({ status: 'accepted', reasons: [] });
  });

  it('does not check a tenant whose tills keep their own accounts (no roster)', async () => {
    const own = await enrollTerminal(s, admin, { tenantId: 'own-accounts' });
    expect(await pushOne(own, { cashierId: 'whoever', createdAt: at(-60_000) })).toEqual({
      status: 'accepted',
      reasons: [],
    });
  });
});
