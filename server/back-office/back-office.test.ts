import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrollmentCodeInput } from '../../protocol/api';
import type {
  EnrollmentCodeList,
  EnrollmentCodeResponse,
  EnrollmentCodeRecord,
  LaptopList,
  Policy,
  Role,
  TillList,
  TillRecord,
} from '../../protocol/http';
import { enrollTerminal, push, SN_POLICY } from '../payments/test-support';
import { enrollSigned, newDevice, signed, startTestServer, type TestServer } from '../testing/harness';

/** The back office's tills, laptops, enrollment codes and policies (issue #19, items 4 and 5). */

let s: TestServer;
let admin: string;
let ops: string;
/** A signed-in user of each role that is neither pay_admin nor ops. */
let others: { role: Role; token: string }[];

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('bo-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('bo-ops@example.com', ['ops'])).token;
  others = [
    { role: 'teacher', token: (await s.user('bo-teacher@example.com', ['teacher'])).token },
    { role: 'student', token: (await s.user('bo-user@example.com', ['student'])).token },
  ];
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const codeOf = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;
const audits = async (action: string, targetId: string) =>
  (
    await s.pool.query<{ actor_id: string; details: Record<string, unknown> }>(
      'SELECT actor_id, details FROM offline_audit_logs WHERE action = $1 AND target_id = $2 ORDER BY id',
      [action, targetId],
    )
  ).rows;

async function issueCode(label = 'Till 2') {
  const res = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: { tenant_type: 'merchant', tenant_id: 'bo-shop', country: 'SN', currency_default: 'XOF', label },
  });
  expect(res.status).toBe(201);
  return (res.body as { code: string }).code;
}

function checkIn(device: Parameters<typeof signed>[0]) {
  const body = '{}';
  return s.call('POST', '/offline/devices/check-in', {
    rawBody: body,
    headers: signed(device, 'POST', '/offline/devices/check-in', body),
  });
}

function pull(device: Parameters<typeof signed>[0]) {
  const path = '/offline/sync/payments';
  return s.call('GET', path, { headers: signed(device, 'GET', path, '') });
}

/** A laptop a user registers for materials, as the reader app does. */
async function registerLaptop(token: string) {
  const d = newDevice('LAP');
  const body = {
    device_id: d.id,
    fingerprint: d.fingerprint,
    name: 'Laptop',
    platform: 'linux',
    pubkey_pem: d.pem,
    x25519_pub: d.x25519,
  };
  const res = await s.call('POST', '/api/v1/offline/devices', { token, body });
  expect(res.status, res.text).toBe(201);
  return d;
}

describe('enrollment codes', () => {
  it('lists unused codes without the code itself, revokes one, and enroll then refuses it', async () => {
    const code = await issueCode('Counter 3');
    const listed = await s.call('GET', '/offline/enrollment-codes', { token: ops });
    expect(listed.status).toBe(200);
    const mine = (listed.body as EnrollmentCodeList).codes.find((c) => c.label === 'Counter 3')!;
    expect(mine).toMatchObject({ state: 'unused', tenant_id: 'bo-shop', revoked_at: null });
    expect(listed.text).not.toContain(code);

    const revoked = await s.call('DELETE', `/offline/enrollment-codes/${mine.id}`, { token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body as EnrollmentCodeRecord).toMatchObject({ id: mine.id, state: 'revoked' });
    expect(await audits('enrollment_code.revoked', mine.id)).toHaveLength(1);
    // Idempotent: the same answer, no second audit row.
    expect((await s.call('DELETE', `/offline/enrollment-codes/${mine.id}`, { token: admin })).status).toBe(
      200,
    );
    expect(await audits('enrollment_code.revoked', mine.id)).toHaveLength(1);

    const enrolled = await enrollSigned(s, newDevice('POS'), code);
    expect(enrolled.status).toBe(403);
    expect(codeOf(enrolled)).toBe('ENROLLMENT_CODE_INVALID');
  });

  it('answers a QR payload the till’s enrollment field takes, and that enrolls the till', async () => {
    const res = await s.call('POST', '/offline/enrollment-codes', {
      token: admin,
      body: { tenant_type: 'merchant', tenant_id: 'bo-shop', country: 'SN', currency_default: 'XOF' },
    });
    const { code, qr_payload } = res.body as EnrollmentCodeResponse;
    expect(qr_payload).toBe(code);
    // What the till's enrollment screen checks before it sends the code (protocol/api/device.ts).
    const typed = EnrollmentCodeInput.parse({ code: `${qr_payload}\n` }).code;
    expect((await enrollSigned(s, newDevice('POS'), typed)).status).toBe(201);
  });

  it('a redeemed code is not listed and cannot be revoked; an unknown id is 404', async () => {
    const code = await issueCode('Redeemed');
    expect((await enrollSigned(s, newDevice('POS'), code)).status).toBe(201);
    const listed = (await s.call('GET', '/offline/enrollment-codes', { token: admin }))
      .body as EnrollmentCodeList;
    expect(listed.codes.find((c) => c.label === 'Redeemed')).toBeUndefined();
    const { rows } = await s.pool.query<{ id: string }>(
      "SELECT id FROM enrollment_codes WHERE label = 'Redeemed'",
    );
    const res = await s.call('DELETE', `/offline/enrollment-codes/${rows[0]!.id}`, { token: admin });
    expect(res.status).toBe(404);
    expect(codeOf(res)).toBe('ENROLLMENT_CODE_NOT_FOUND');
    const bad = await s.call('DELETE', '/offline/enrollment-codes/not-a-uuid', { token: admin });
    expect(bad.status).toBe(400);
  });
});

describe('tills', () => {
  it('lists a till with its last sequence, pending and held bundles, and clock offset', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    expect((await checkIn(t.device)).status).toBe(200);
    // One accepted bundle (pending reconciliation), then one held for review (a sequence gap).
    expect((await push(s, await t.bundle(t.sales(2)))).body.status).toBe('accepted');
    t.sales(1);
    const gapped = t.sales(1);
    expect((await push(s, await t.bundle(gapped))).body.status).toBe('review');

    const res = await s.call('GET', '/offline/tills', { token: ops });
    expect(res.status).toBe(200);
    const till = (res.body as TillList).tills.find((x) => x.device_id === t.id)!;
    expect(till).toMatchObject({
      status: 'active',
      tenant_id: 'bo-shop',
      last_seq: 4,
      pending_bundles: 1,
      held_bundles: { review: 1, quarantined: 0 },
    });
    expect(till.last_seen_at).not.toBeNull();
    expect(till.clock_offset_ms).toEqual(expect.any(Number));
  });

  it('the clock offset is the till’s signed timestamp against the server’s clock', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    const body = '{}';
    const before = Date.now();
    const ahead = before + 60_000;
    const res = await s.call('POST', '/offline/devices/check-in', {
      rawBody: body,
      headers: signed(t.device, 'POST', '/offline/devices/check-in', body, ahead),
    });
    const after = Date.now();
    expect(res.status).toBe(200);
    const till = ((await s.call('GET', '/offline/tills', { token: admin })).body as TillList).tills.find(
      (x) => x.device_id === t.id,
    )!;
    // A minute ahead of the server's clock as it read it during the request (1 ms of rounding).
    expect(till.clock_offset_ms).toBeGreaterThanOrEqual(ahead - after - 1);
    expect(till.clock_offset_ms).toBeLessThanOrEqual(ahead - before + 1);
  });

  it('revoking a till refuses its signed push, pull and check-in; it is listed revoked, audited with the reason', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    expect((await push(s, await t.bundle(t.sales(1)))).status).toBe(200);
    const revoked = await s.call('POST', `/offline/tills/${t.id}/revoke`, {
      token: admin,
      body: { reason: 'stolen from the market stall' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body as TillRecord).toMatchObject({ device_id: t.id, status: 'revoked', last_seq: 1 });
    expect((revoked.body as TillRecord).revoked_at).not.toBeNull();
    const rows = await audits('device.revoked', t.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toEqual({ reason: 'stolen from the market stall' });

    // The attacker holding the till's key: a validly signed bundle is refused, nothing stored.
    const pushed = await push(s, await t.bundle(t.sales(1)));
    expect(pushed.status).toBe(404);
    expect(pushed.body.error?.code).toBe('DEVICE_NOT_FOUND');
    const stored = await s.pool.query('SELECT 1 FROM offline_tx_bundles WHERE device_id = $1', [t.id]);
    expect(stored.rowCount).toBe(1);
    const pulled = await pull(t.device);
    expect(pulled.status).toBe(404);
    expect(codeOf(pulled)).toBe('DEVICE_NOT_FOUND');
    // The check-in answer on which a till shows itself out of service (signed device_status).
    const checked = await checkIn(t.device);
    expect(checked.status).toBe(404);
    expect(
      (checked.body as { error: { details: { statement: { device_status: string } } } }).error.details
        .statement.device_status,
    ).toBe('revoked');

    // Revoked already, or not a till: 404.
    const again = await s.call('POST', `/offline/tills/${t.id}/revoke`, {
      token: admin,
      body: { reason: 'x' },
    });
    expect(codeOf(again)).toBe('TILL_NOT_FOUND');
    const list = (await s.call('GET', '/offline/tills', { token: admin })).body as TillList;
    expect(list.tills.find((x) => x.device_id === t.id)?.status).toBe('revoked');
  });

  it('refuses a revocation without a reason, and does not revoke a laptop as a till', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    const empty = await s.call('POST', `/offline/tills/${t.id}/revoke`, {
      token: admin,
      body: { reason: '' },
    });
    expect(empty.status).toBe(400);
    const student = await s.user('bo-student@example.com', ['student']);
    const d = await registerLaptop(student.token);
    const laptop = await s.call('POST', `/offline/tills/${d.id}/revoke`, {
      token: admin,
      body: { reason: 'no' },
    });
    expect(codeOf(laptop)).toBe('TILL_NOT_FOUND');
  });
});

describe('laptops', () => {
  it('lists every user’s laptops with their email, one user’s with user_id, and deregisters one', async () => {
    const student = await s.user('bo-laptop@example.com', ['student']);
    const d = await registerLaptop(student.token);
    const all = await s.call('GET', '/offline/laptops', { token: admin });
    expect(all.status).toBe(200);
    expect((all.body as LaptopList).laptops.find((l) => l.device_id === d.id)).toMatchObject({
      user_email: 'bo-laptop@example.com',
      status: 'active',
    });
    const one = await s.call('GET', `/offline/laptops?user_id=${student.id}`, { token: admin });
    expect((one.body as LaptopList).laptops.map((l) => l.device_id)).toEqual([d.id]);
    expect((await s.call('GET', '/offline/laptops?user_id=nope', { token: admin })).status).toBe(400);

    const gone = await s.call('DELETE', `/offline/laptops/${d.id}`, { token: admin });
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ device: { device_id: d.id, status: 'revoked' }, licenses_revoked: 0 });
    const rows = await audits('device.deregistered', d.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toMatchObject({ by: 'back_office' });
    const again = await s.call('DELETE', `/offline/laptops/${d.id}`, { token: admin });
    expect(codeOf(again)).toBe('LAPTOP_NOT_FOUND');
  });

  it('does not deregister a till as a laptop', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    const res = await s.call('DELETE', `/offline/laptops/${t.id}`, { token: admin });
    expect(codeOf(res)).toBe('LAPTOP_NOT_FOUND');
    expect((await checkIn(t.device)).status).toBe(200);
  });
});

describe('policies', () => {
  it('reads one country; an unknown one is 404', async () => {
    const res = await s.call('GET', '/offline/policies/SN', { token: ops });
    expect(res.status).toBe(200);
    expect(res.body as Policy).toMatchObject({ country: 'SN', currency: 'XOF' });
    const none = await s.call('GET', '/offline/policies/ML', { token: ops });
    expect(none.status).toBe(404);
    expect(codeOf(none)).toBe('POLICY_NOT_FOUND');
    expect((await s.call('GET', '/offline/policies/xx', { token: ops })).status).toBe(400);
  });

  it('audits each change with who, before and after', async () => {
    const who = await s.user('bo-policy@example.com', ['pay_admin']);
    const body = { ...SN_POLICY, country: 'CI', approval_threshold: 40_000 };
    expect((await s.call('POST', '/offline/policies', { token: who.token, body })).status).toBe(200);
    const changed = { ...body, approval_threshold: 30_000 };
    expect((await s.call('POST', '/offline/policies', { token: who.token, body: changed })).status).toBe(200);
    const rows = await audits('policy.changed', 'CI');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.actor_id === who.id)).toBe(true);
    const limits = { ...body, max_bundle_age_hours: 72 };
    expect(rows[0]!.details).toMatchObject({ before: null, after: limits });
    expect(rows[1]!.details).toMatchObject({
      before: limits,
      after: { ...limits, approval_threshold: 30_000 },
    });
  });

  it('refuses incoherent limits naming the field', async () => {
    for (const [patch, path] of [
      [{ approval_threshold: SN_POLICY.max_unsynced_amount + 1 }, 'approval_threshold'],
      [{ max_offline_amount: SN_POLICY.max_unsynced_amount + 1 }, 'max_offline_amount'],
      [{ currency: 'ABC' }, 'currency'],
      [{ max_offline_amount: 12.5 }, 'max_offline_amount'],
    ] as const) {
      const res = await s.call('POST', '/offline/policies', {
        token: admin,
        body: { ...SN_POLICY, ...patch },
      });
      expect(res.status).toBe(400);
      const details = (res.body as { error: { details: { path: string }[] } }).error.details;
      expect(details.map((d) => d.path)).toContain(path);
    }
  });
});

describe('roles', () => {
  const reads = ['/offline/enrollment-codes', '/offline/tills', '/offline/policies/SN'];
  it('ops reads but may not revoke; other roles get 403 everywhere', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'bo-shop' });
    const d = newDevice('LAP');
    const changes = [
      ['POST', `/offline/tills/${t.id}/revoke`, { reason: 'r' }],
      ['DELETE', '/offline/enrollment-codes/00000000-0000-4000-8000-000000000000', undefined],
      ['DELETE', `/offline/laptops/${d.id}`, undefined],
      ['GET', '/offline/laptops', undefined],
    ] as const;
    for (const [method, path, body] of changes) {
      const res = await s.call(method, path, { token: ops, ...(body ? { body } : {}) });
      expect(res.status, `ops ${method} ${path}`).toBe(403);
    }
    for (const path of reads) expect((await s.call('GET', path, { token: ops })).status).toBe(200);
    for (const { role, token } of others) {
      for (const path of reads)
        expect((await s.call('GET', path, { token })).status, `${role} GET ${path}`).toBe(403);
      for (const [method, path, body] of changes) {
        const res = await s.call(method, path, { token, ...(body ? { body } : {}) });
        expect(res.status, `${role} ${method} ${path}`).toBe(403);
      }
    }
    // Nothing happened to the till.
    expect((await checkIn(t.device)).status).toBe(200);
  });
});
