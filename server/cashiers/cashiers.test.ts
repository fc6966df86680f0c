import { scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullAnswerSha256, type PaymentsPullResponse, type Role } from '../../protocol/http';
import { RosterError, verifyRoster, type CashierRoster } from '../../protocol/http/cashier-roster';
import type { ShopCashierList, ShopCashierRecord } from '../../protocol/http/cashiers';
import { verifyServerStatement } from '../../protocol/licence/server-statement';
import { fromConsole, signedInAs, type ConsoleBrowser } from '../testing/console-browser';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, type Terminal } from '../payments/test-support';

/**
 * A shop's cashiers from the back office (issue #19, item 3): pay_admin alone manages them; no
 * answer, audit row or log line carries a PIN or its hash; a till pulls its own tenant's roster,
 * signed and versioned, and never another tenant's.
 */
let s: TestServer;
let admin: ConsoleBrowser;
let adminToken: string;
const SHOP = { tenant_type: 'merchant', tenant_id: 'roster-shop' } as const;
const OTHER = { tenant_type: 'merchant', tenant_id: 'roster-other' } as const;
const PIN = '482916';

beforeAll(async () => {
  s = await startTestServer();
  admin = await signedInAs(s, ['pay_admin']);
  adminToken = (await s.user('roster-admin@example.com', ['pay_admin'])).token;
});
afterAll(async () => {
  await s?.close();
});

const one = (t: { tenant_type: string; tenant_id: string }, id: string) =>
  `/console/cashiers/${t.tenant_type}/${t.tenant_id}/${id}`;
const list = (t: { tenant_type: string; tenant_id: string }) =>
  `/console/cashiers?tenant_type=${t.tenant_type}&tenant_id=${t.tenant_id}`;
const code = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;

async function add(tenant: { tenant_type: string; tenant_id: string }, id: string, pin = PIN) {
  const res = await fromConsole(s, admin, 'POST', '/console/cashiers', {
    ...tenant,
    cashier_id: id,
    name: `Cashier ${id}`,
    role: 'cashier',
    pin,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as ShopCashierRecord;
}

async function pull(t: Terminal, roster = true) {
  const nonce = 'bm9uY2Utbm9uY2Utbm9uY2Ut';
  const path = `/offline/sync/payments?request_nonce=${nonce}&catalog=2${roster ? '&roster=1' : ''}`;
  const res = await s.call('GET', path, { headers: signed(t.device, 'GET', path, '') });
  expect(res.status, res.text).toBe(200);
  const answer = res.body as PaymentsPullResponse;
  // The statement covers the roster: the digest the server signed is that of this very answer.
  const statement = verifyServerStatement(answer.statement, {
    serverPublicKey: s.trust.deps.keys.signing.publicKey,
    deviceId: t.device.id,
    requestNonce: nonce,
  });
  expect(statement.answer_sha256).toBe(pullAnswerSha256(answer));
  return answer;
}

const verify = (
  roster: unknown,
  heldVersion = 0,
  tenant: { tenant_type: string; tenant_id: string } = SHOP,
) =>
  verifyRoster(roster, {
    serverPublicKey: s.trust.deps.keys.signing.publicKey,
    tenant: { type: tenant.tenant_type, id: tenant.tenant_id },
    heldVersion,
  });

describe('only pay_admin manages cashiers', () => {
  for (const role of ['ops', 'teacher', 'student', 'cashier'] as Role[]) {
    it(`${role}: 403 on every cashier route, by cookie and by bearer token`, async () => {
      await add(SHOP, `forbidden-${role}`);
      const b = await signedInAs(s, [role]);
      const { token } = await s.user(`cashiers-${role}@example.com`, [role]);
      const routes: [string, string, unknown?][] = [
        ['GET', list(SHOP)],
        ['POST', '/console/cashiers', { ...SHOP, cashier_id: 'x', name: 'X', role: 'cashier', pin: '1234' }],
        ['POST', `${one(SHOP, `forbidden-${role}`)}/pin`, { pin: '9999' }],
        ['POST', `${one(SHOP, `forbidden-${role}`)}/status`, { disabled: true }],
      ];
      for (const [method, path, body] of routes) {
        const byCookie = await fromConsole(s, b, method, path, body);
        expect([byCookie.status, code(byCookie)], `${method} ${path}`).toEqual([403, 'FORBIDDEN']);
        const byToken = await s.call(method, path, { token, ...(body === undefined ? {} : { body }) });
        expect(byToken.status, `${method} ${path}`).toBe(403);
      }
      const { rows } = await s.pool.query(
        "SELECT count(*)::int AS n FROM shop_cashiers WHERE cashier_id = 'x' AND tenant_id = $1",
        [SHOP.tenant_id],
      );
      expect(rows[0]).toEqual({ n: 0 });
    });
  }
});

describe("a cashier's PIN hash never leaves in an answer, an audit row or a log line", () => {
  it('add, list, reset and disable answer without it; audit and logs hold neither PIN nor hash', async () => {
    const before = s.logs.length;
    await add(SHOP, 'awa');
    const reset = await fromConsole(s, admin, 'POST', `${one(SHOP, 'awa')}/pin`, { pin: '730451' });
    expect(reset.status, reset.text).toBe(200);
    const disabled = await fromConsole(s, admin, 'POST', `${one(SHOP, 'awa')}/status`, { disabled: true });
    expect((disabled.body as ShopCashierRecord).status).toBe('disabled');
    const listed = await fromConsole(s, admin, 'GET', list(SHOP));
    expect((listed.body as ShopCashierList).cashiers.map((c) => c.cashier_id)).toContain('awa');

    const { rows } = await s.pool.query<{ pin_verifier: { salt: string; hash: string } }>(
      "SELECT pin_verifier FROM shop_cashiers WHERE tenant_id = $1 AND cashier_id = 'awa'",
      [SHOP.tenant_id],
    );
    const { salt, hash } = rows[0]!.pin_verifier;
    const audit = await s.pool.query<{ details: unknown }>(
      "SELECT details FROM offline_audit_logs WHERE target_type = 'cashier' AND target_id = $1",
      [`merchant:${SHOP.tenant_id}:awa`],
    );
    expect(audit.rows).toHaveLength(3);
    const seen = [
      reset.text,
      disabled.text,
      listed.text,
      JSON.stringify(audit.rows),
      ...s.logs.slice(before),
    ];
    for (const text of seen) {
      for (const secret of [PIN, '730451', hash, salt, 'pin_verifier']) expect(text).not.toContain(secret);
    }
    const dup = await fromConsole(s, admin, 'POST', '/console/cashiers', {
      ...SHOP,
      cashier_id: 'awa',
      name: 'Again',
      role: 'manager',
      pin: '1111',
    });
    expect([dup.status, code(dup)]).toEqual([409, 'CASHIER_EXISTS']);
    const unknown = await fromConsole(s, admin, 'POST', `${one(SHOP, 'nobody')}/status`, { disabled: true });
    expect([unknown.status, code(unknown)]).toEqual([404, 'CASHIER_NOT_FOUND']);
  });
});

describe("a till pulls its own shop's roster, signed and versioned", () => {
  let till: Terminal;
  let stranger: Terminal;
  beforeAll(async () => {
    till = await enrollTerminal(s, adminToken, { tenantId: SHOP.tenant_id });
    stranger = await enrollTerminal(s, adminToken, { tenantId: OTHER.tenant_id });
  });

  it('carries the verifier of the PIN set; a reset raises the version and the older roster is refused', async () => {
    await add(SHOP, 'bob', '246810');
    const first = verify((await pull(till)).roster);
    const bob = first.cashiers.find((c) => c.cashier_id === 'bob')!;
    const derive = (pin: string) =>
      scryptSync(pin, Buffer.from(bob.pin!.salt, 'base64url'), 32, {
        N: bob.pin!.N,
        r: bob.pin!.r,
        p: bob.pin!.p,
      }).toString('base64url');
    expect(derive('246810')).toBe(bob.pin!.hash);

    await fromConsole(s, admin, 'POST', `${one(SHOP, 'bob')}/pin`, { pin: '135790' });
    const second = verify((await pull(till)).roster, first.version);
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.cashiers.find((c) => c.cashier_id === 'bob')!.pin!.hash).not.toBe(bob.pin!.hash);
    // The roster from before the reset, replayed: refused, so the old PIN cannot come back.
    expect(() => verify(first, second.version)).toThrow(RosterError);
    expect(() => verify(first, second.version)).toThrow(/older than/);
    expect(verify(second, second.version).version).toBe(second.version);

    await fromConsole(s, admin, 'POST', `${one(SHOP, 'bob')}/status`, { disabled: true });
    const third = verify((await pull(till)).roster, second.version);
    expect(third.cashiers.find((c) => c.cashier_id === 'bob')!.pin).toBeNull();
  });

  it('a roster with a changed byte does not verify', async () => {
    const roster = (await pull(till)).roster!;
    const forged: CashierRoster = {
      ...roster,
      cashiers: roster.cashiers.map((c) => ({ ...c, role: 'manager' as const })),
    };
    expect(() => verify(forged)).toThrow(/not signed/);
  });

  it("another shop's till never receives this shop's roster, and refuses it if handed one", async () => {
    const answer = await pull(stranger);
    expect(answer.roster).toBeNull();
    expect(JSON.stringify(answer)).not.toContain('bob');
    await add(OTHER, 'eve');
    const own = verify((await pull(stranger)).roster, 0, OTHER);
    expect(own.cashiers.map((c) => c.cashier_id)).toEqual(['eve']);
    const shops = verify((await pull(till)).roster);
    expect(shops.cashiers.map((c) => c.cashier_id)).not.toContain('eve');
    // Handed the first shop's genuine roster, the stranger's check names the tenant.
    expect(() => verify(shops, 0, OTHER)).toThrow(/another shop/);
  });

  it('an older till that does not ask for a roster gets none', async () => {
    expect((await pull(till, false)).roster).toBeUndefined();
  });
});

// Attack (#16, twelfth pass L-C): cashiers are never deleted, and addCashier had no cap: at 1001 a
// roster could not be signed (its schema holds 1000), so every roster pull of the shop's tills
// failed. The 1001st active cashier is refused, and disabled ones never crowd the roster out.
describe('a shop with a thousand cashiers still gets a roster', () => {
  const CROWD = { tenant_type: 'merchant', tenant_id: 'roster-crowd' } as const;
  let till: Terminal;
  beforeAll(async () => {
    till = await enrollTerminal(s, adminToken, { tenantId: CROWD.tenant_id });
    // One cashier through the route (its scrypt is the slow part), then rows copied from it: 999
    // more active cashiers and 5 disabled ones, changed before the ones that stay active.
    await add(CROWD, 'c0000');
    await s.pool.query(
      `INSERT INTO shop_cashiers (tenant_type, tenant_id, cashier_id, name, role, pin_verifier, disabled, updated_at)
       SELECT tenant_type, tenant_id, 'c' || lpad(n::text, 4, '0'), 'Cashier ' || n, role, pin_verifier, n > 999,
              now() - interval '1 day'
       FROM shop_cashiers, generate_series(1, 1004) AS n
       WHERE tenant_type = $1 AND tenant_id = $2 AND cashier_id = 'c0000'`,
      [CROWD.tenant_type, CROWD.tenant_id],
    );
  });

  it('refuses the 1001st active cashier (409), added or enabled, and every pull gets a signed roster', async () => {
    const more = await fromConsole(s, admin, 'POST', '/console/cashiers', {
      ...CROWD,
      cashier_id: 'c9999',
      name: 'One too many',
      role: 'cashier',
      pin: PIN,
    });
    expect([more.status, code(more)]).toEqual([409, 'CASHIER_LIMIT_REACHED']);
    const enable = await fromConsole(s, admin, 'POST', `${one(CROWD, 'c1000')}/status`, { disabled: false });
    expect([enable.status, code(enable)]).toEqual([409, 'CASHIER_LIMIT_REACHED']);
    const listed = (await fromConsole(s, admin, 'GET', list(CROWD))).body as ShopCashierList;
    expect(listed.cashiers.filter((c) => c.status === 'active')).toHaveLength(1000);
    expect(listed.cashiers.map((c) => c.cashier_id)).not.toContain('c9999');

    // 1005 cashiers in the back office, 1000 of them active: the roster lists every active one.
    const full = verify((await pull(till)).roster, 0, CROWD);
    expect(full.cashiers).toHaveLength(1000);
    expect(full.cashiers.every((c) => c.pin !== null)).toBe(true);

    // Disabling one makes room: the disabled cashier changed last is listed (with no PIN), and the
    // one freed place can be taken by an enable.
    expect(
      (await fromConsole(s, admin, 'POST', `${one(CROWD, 'c0500')}/status`, { disabled: true })).status,
    ).toBe(200);
    const after = verify((await pull(till)).roster, full.version, CROWD);
    expect(after.cashiers).toHaveLength(1000);
    expect(after.cashiers.find((c) => c.cashier_id === 'c0500')!.pin).toBeNull();
    expect(
      (await fromConsole(s, admin, 'POST', `${one(CROWD, 'c1000')}/status`, { disabled: false })).status,
    ).toBe(200);
    const last = verify((await pull(till)).roster, after.version, CROWD);
    expect(last.cashiers.filter((c) => c.pin !== null)).toHaveLength(1000);
  });
});
