import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import { enrollTerminal, newDevice, push, registerTestWallet, SN_POLICY, Terminal } from './test-support';

/**
 * Attack tests of issue #16, item 3 and the server half of item 4: each pushes a genuinely signed,
 * correctly sealed bundle to the real server and PostgreSQL, and checks that what may not take money
 * is refused with its code (or held by the limits), with nothing stored and the ledger untouched.
 */

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('pay-admin@example.com', ['pay_admin'])).token;
  // The QR tenders of the sales below are this wallet's payments, verified by the server.
  await registerTestWallet(s, admin);
  const res = await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const count = async (sql: string, params: unknown[] = []) =>
  Number((await s.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
const ledgerRows = () => count('SELECT count(*) AS n FROM ledger_entries');
const bundleRows = () => count('SELECT count(*) AS n FROM offline_tx_bundles');
const serverKey = () => s.trust.deps.keys.hpke.publicKeyRaw;

/** A sale, a customer-QR sale and a refund of the first: money in and money out. */
function moneyInAndOut(t: Terminal) {
  const sale = t.sale({ createdAt: new Date(Date.now() - 120_000) });
  const qr = t.sale({ tender: 'qr', createdAt: new Date(Date.now() - 90_000) });
  const refund = t.sale({
    kind: 'refund',
    original_sale_id: sale.sale_id,
    price: 500,
    tax: 90,
    createdAt: new Date(Date.now() - 60_000),
  });
  return [sale, qr, refund];
}

/**
 * Pushes, expects the refusal, then runs the reconciliation worker: nothing stored, nothing posted.
 * `audited`: a refusal answered after the device's signature verified is audited once; one answered
 * before it (an unknown key id) writes no audit row, since the caller is nobody yet.
 */
async function expectRefused(envelope: { bundle_id: string }, status: number, code: string, audited = true) {
  const bundles = await bundleRows();
  const ledger = await ledgerRows();
  const res = await push(s, envelope);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error?.code).toBe(code);
  await runOnce({ pool: s.pool, workerId: 'trust-test' });
  expect(await bundleRows()).toBe(bundles);
  expect(await ledgerRows()).toBe(ledger);
  expect(
    await count(
      `SELECT count(*) AS n FROM offline_audit_logs WHERE action = 'bundle.rejected' AND target_id = $1`,
      [envelope.bundle_id],
    ),
  ).toBe(audited ? 1 : 0);
  return res;
}

/** A terminal enrolled the way a till is: a one-time code issued by a pay_admin, redeemed signed. */
async function enrollWithCode(country = 'SN', currency = 'XOF'): Promise<Terminal> {
  const issued = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: { tenant_type: 'merchant', tenant_id: 'm-code', country, currency_default: currency },
  });
  expect(issued.status).toBe(201);
  const device = newDevice('TILL');
  const body = JSON.stringify({
    code: (issued.body as { code: string }).code,
    device_id: device.id,
    pubkey_pem: device.pem,
    x25519_pub: device.x25519,
    fingerprint: device.fingerprint,
  });
  const res = await s.call('POST', '/offline/enroll', {
    rawBody: body,
    headers: signed(device, 'POST', '/offline/enroll', body),
  });
  expect(res.status, res.text).toBe(201);
  return new Terminal(device, serverKey());
}

describe('payments come only from POS terminals of a tenant', () => {
  it('a laptop a user registered pushes sales, a QR payment and a refund: 403 DEVICE_NOT_TERMINAL', async () => {
    const student = await s.user('student@example.com', ['student']);
    const device = newDevice('LAP');
    const registered = await s.call('POST', '/api/v1/offline/devices', {
      token: student.token,
      body: {
        device_id: device.id,
        fingerprint: device.fingerprint,
        name: 'My laptop',
        platform: 'linux',
        pubkey_pem: device.pem,
        x25519_pub: device.x25519,
      },
    });
    expect(registered.status).toBe(201);
    // The laptop's key is genuine and registered: only what the device is may refuse it.
    const laptop = new Terminal(device, serverKey());
    await expectRefused(await laptop.bundle(moneyInAndOut(laptop)), 403, 'DEVICE_NOT_TERMINAL');
    // Refused as a device that signed, not as an unknown one.
    const { rows } = await s.pool.query<{ actor_type: string }>(
      `SELECT actor_type FROM offline_audit_logs WHERE action = 'bundle.rejected' AND actor_id = $1`,
      [device.id],
    );
    expect(rows.map((r) => r.actor_type)).toEqual(['device']);
  });
});

describe('no policy, no offline payments', () => {
  it('a terminal in a country with no policy: 403 POLICY_MISSING, nothing posted', async () => {
    const admitted = await enrollTerminal(s, admin, { country: 'GH' });
    await expectRefused(await admitted.bundle(admitted.sales(2)), 403, 'POLICY_MISSING');
    const coded = await enrollWithCode('GH', 'GHS');
    await expectRefused(await coded.bundle(coded.sales(1)), 403, 'POLICY_MISSING');
  });
});

describe("a sale must be in its policy's currency", () => {
  it('a sale in EUR beside sales in XOF: 422 CURRENCY_NOT_ALLOWED with the currencies, nothing posted', async () => {
    const t = await enrollTerminal(s, admin);
    const sales = [
      t.sale({ createdAt: new Date(Date.now() - 60_000) }),
      t.sale({ currency: 'EUR', price: 10_000_000, tax: 0, createdAt: new Date(Date.now() - 30_000) }),
    ];
    const res = await expectRefused(await t.bundle(sales), 422, 'CURRENCY_NOT_ALLOWED');
    expect((res.body.error as unknown as { details: unknown }).details).toEqual({
      currencies: ['EUR'],
      policy_currency: 'XOF',
    });
  });

  it('a refund in another currency than the policy is refused the same way', async () => {
    const t = await enrollTerminal(s, admin);
    const refund = t.sale({ kind: 'refund', currency: 'USD', original_sale_id: randomUUID() });
    await expectRefused(await t.bundle([refund]), 422, 'CURRENCY_NOT_ALLOWED');
  });
});

describe('a bundle must be sealed to a key of this server', () => {
  it('server_key_id naming no key of ours: 422 UNKNOWN_SERVER_KEY', async () => {
    const t = await enrollTerminal(s, admin);
    // Sealed to our real key and signed: only the id is foreign.
    for (const id of ['srv-test', 'x25519:AAAAAAAAAAAAAAAAAAAAAA']) {
      await expectRefused(await t.bundle(t.sales(1), { serverKeyId: id }), 422, 'UNKNOWN_SERVER_KEY', false);
    }
  });
});

describe("the terminal's word never loosens a limit", () => {
  const BILLION = 1_000_000_000;

  it('online: true on a 1,000,000,000 XOF sale is held by the offline limits exactly as offline', async () => {
    const ledger = await ledgerRows();
    const outcomes = [];
    for (const online of [true, false]) {
      const t = await enrollTerminal(s, admin);
      const sale = t.sale({ online, price: BILLION - 180, tax: 180 });
      expect(sale.total_minor).toBe(BILLION);
      const res = await push(s, await t.bundle([sale]));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      outcomes.push({ status: res.body.status, score: res.body.sira_score, reasons: res.body.reasons });
      await runOnce({ pool: s.pool, workerId: 'trust-test' });
      const held = await s.pool.query<{ status: string }>(
        'SELECT status FROM offline_transactions WHERE sale_id = $1',
        [sale.sale_id],
      );
      expect(held.rows).toEqual([{ status: 'held' }]);
    }
    expect(outcomes[0]!.status).toBe('quarantined');
    expect(outcomes[0]!.reasons.map((r) => r.code)).toEqual([
      'AMOUNT_OVER_LIMIT',
      'APPROVAL_MISSING',
      'UNSYNCED_TOTAL_OVER_LIMIT',
    ]);
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(await ledgerRows()).toBe(ledger);
  });
});

describe('a sale above approval_threshold is reviewed by a person, override or not', () => {
  // SN_POLICY: approval_threshold 50,000, max_offline_amount 100,000 XOF.
  it('a 79,000 XOF sale with no override: review with APPROVAL_MISSING, held, not posted', async () => {
    const ledger = await ledgerRows();
    const t = await enrollTerminal(s, admin);
    const sale = t.sale({ price: 79_000, tax: 0 });
    const res = await push(s, await t.bundle([sale]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('review');
    expect(res.body.reasons.map((r) => r.code)).toEqual(['APPROVAL_MISSING']);
    await runOnce({ pool: s.pool, workerId: 'trust-test' });
    const held = await s.pool.query<{ status: string }>(
      'SELECT status FROM offline_transactions WHERE sale_id = $1',
      [sale.sale_id],
    );
    expect(held.rows).toEqual([{ status: 'held' }]);
    expect(await ledgerRows()).toBe(ledger);
  });

  it('a sale at the threshold without an override: accepted', async () => {
    const t = await enrollTerminal(s, admin);
    const res = await push(s, await t.bundle([t.sale({ price: 50_000, tax: 0 })]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('accepted');
    expect(res.body.reasons).toEqual([]);
  });

  // M-A of the third red-team pass: the override is the terminal's word (the manager PIN is checked
  // on the till only), so a compromised terminal wrote its own on every sale and had them posted.
  it('sales above the threshold with overrides the terminal wrote itself: review, held, not posted', async () => {
    await runOnce({ pool: s.pool, workerId: 'trust-test' }); // posts what earlier tests accepted
    const ledger = await ledgerRows();
    const t = await enrollTerminal(s, admin);
    const sales = Array.from({ length: 10 }, () => t.sale({ price: 60_000, tax: 0, override: true }));
    const res = await push(s, await t.bundle(sales));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('review');
    expect(res.body.reasons.map((r) => r.code)).toEqual(['OVERRIDE_USED']);
    expect(res.body.reasons[0]!.detail).toContain('10 on sale(s) above approval_threshold 50000 XOF');
    expect(res.body.reasons[0]!.detail).toContain('not verified by the server');
    await runOnce({ pool: s.pool, workerId: 'trust-test' });
    const held = await s.pool.query<{ status: string }>(
      'SELECT DISTINCT status FROM offline_transactions WHERE sale_id = ANY($1)',
      [sales.map((sale) => sale.sale_id)],
    );
    expect(held.rows).toEqual([{ status: 'held' }]);
    expect(await ledgerRows()).toBe(ledger);
  });

  it('one overridden sale above the threshold, or 8 under it, is enough for review', async () => {
    for (const [count, price] of [
      [1, 79_000],
      [8, 10_000],
    ] as const) {
      const t = await enrollTerminal(s, admin);
      const sales = Array.from({ length: count }, () => t.sale({ price, tax: 0, override: true }));
      const res = await push(s, await t.bundle(sales));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect([res.body.status, res.body.reasons.map((r) => r.code)], `${count} x ${price}`).toEqual([
        'review',
        ['OVERRIDE_USED'],
      ]);
    }
  });
});

describe('cutting what was taken offline into small bundles does not loosen max_unsynced_amount', () => {
  // 300,000 XOF unsynced at most; each bundle below holds 120,000 XOF in two 60,000 sales, under
  // NE's approval_threshold so that only the unsynced total is at stake.
  const NE = { ...SN_POLICY, country: 'NE', max_unsynced_amount: 300_000, approval_threshold: 60_000 };
  const pair = (t: Terminal, at?: Date) =>
    [0, 1].map(() => t.sale({ price: 60_000 - 180, tax: 180, ...(at ? { createdAt: at } : {}) }));

  it('three bundles of sales all taken before the first push: the third is over the limit', async () => {
    expect((await s.call('POST', '/offline/policies', { token: admin, body: NE })).status).toBe(200);
    const t = await enrollTerminal(s, admin, { country: 'NE' });
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    const bundles = [];
    for (const minutes of [30, 20, 10]) bundles.push(await t.bundle(pair(t, minutesAgo(minutes))));
    const answers = [];
    for (const envelope of bundles) answers.push((await push(s, envelope)).body);
    expect(answers.map((a) => a.status)).toEqual(['accepted', 'accepted', 'review']);
    expect(answers[2]!.reasons.map((r) => r.code)).toEqual(['UNSYNCED_TOTAL_OVER_LIMIT']);
    expect(answers[2]!.reasons[0]!.detail).toContain('360000 XOF');
  });

  it('a till that pushes between its sales is held to each push alone', async () => {
    const t = await enrollTerminal(s, admin, { country: 'NE' });
    for (let i = 0; i < 3; i++) {
      // Taken after the server received the previous bundle: that push synced everything before.
      const res = await push(s, await t.bundle(pair(t, new Date(Date.now() + 1))));
      expect(res.body.status, JSON.stringify(res.body)).toBe('accepted');
    }
  });
});

describe('genuine terminals with a policy still get paid', () => {
  it('admin-registered and code-enrolled terminals: accepted, reconciled, posted once', async () => {
    for (const t of [await enrollTerminal(s, admin), await enrollWithCode()]) {
      const sales = moneyInAndOut(t);
      const res = await push(s, await t.bundle(sales));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ status: 'accepted', reasons: [], transactions_count: 3 });
      await runOnce({ pool: s.pool, workerId: 'trust-test' });
      const posted = await s.pool.query<{ sale_id: string; status: string; legs: string }>(
        `SELECT t.sale_id, t.status, count(e.id)::text AS legs FROM offline_transactions t
         LEFT JOIN ledger_entries e ON e.sale_id = t.sale_id WHERE t.device_id = $1
         GROUP BY t.sale_id, t.status`,
        [t.id],
      );
      expect(posted.rows).toHaveLength(3);
      for (const row of posted.rows) {
        expect(row.status).toBe('reconciled');
        expect(Number(row.legs)).toBeGreaterThan(0);
      }
    }
  });
});
