import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckInResponse, DeviceRecord, EnrollResponse } from '../../protocol/http';
import { newDevice, signed, startTestServer, type TestDevice, type TestServer } from '../testing/harness';

let s: TestServer;
let admin: string;
let ops: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('ops@example.com', ['ops'])).token;
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;

function terminal(d: TestDevice) {
  return {
    device_id: d.id,
    tenant_type: 'merchant',
    tenant_id: 'merchant_123',
    pubkey_pem: d.pem,
    x25519_pub: d.x25519,
    country: 'SN',
    currency_default: 'XOF',
    fingerprint: d.fingerprint,
  };
}

async function issueCode(overrides: Record<string, unknown> = {}) {
  const res = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: {
      tenant_type: 'school',
      tenant_id: 'school_7',
      country: 'ID',
      currency_default: 'IDR',
      ...overrides,
    },
  });
  expect(res.status).toBe(201);
  return (res.body as { code: string }).code;
}

function enrollBody(d: TestDevice, code: string) {
  return JSON.stringify({
    code,
    device_id: d.id,
    pubkey_pem: d.pem,
    x25519_pub: d.x25519,
    fingerprint: d.fingerprint,
    name: 'Till 1',
  });
}

async function enroll(d: TestDevice, code: string, body = enrollBody(d, code)) {
  return s.call('POST', '/offline/enroll', {
    rawBody: body,
    headers: signed(d, 'POST', '/offline/enroll', body),
  });
}

async function checkIn(
  d: TestDevice,
  payload: Record<string, unknown> = {},
  extra: Record<string, string> = {},
) {
  const body = JSON.stringify(payload);
  return s.call('POST', '/offline/devices/check-in', {
    rawBody: body,
    headers: { ...signed(d, 'POST', '/offline/devices/check-in', body), ...extra },
  });
}

describe('POST /offline/devices (pay_admin)', () => {
  it('registers a terminal; a duplicate id is 409 DEVICE_EXISTS', async () => {
    const d = newDevice('POS');
    const res = await s.call('POST', '/offline/devices', { token: admin, body: terminal(d) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      device_id: d.id,
      status: 'active',
      tenant_type: 'merchant',
      country: 'SN',
    });
    const again = await s.call('POST', '/offline/devices', { token: admin, body: terminal(d) });
    expect(again.status).toBe(409);
    expect(code(again)).toBe('DEVICE_EXISTS');
  });

  it('validates keys, country and currency; refuses other roles', async () => {
    const d = newDevice('POS');
    const rsaLike =
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PUBLIC KEY-----\n';
    for (const patch of [
      { pubkey_pem: rsaLike },
      { country: 'XX' },
      { currency_default: 'ABC' },
      { x25519_pub: 'x' },
    ]) {
      const res = await s.call('POST', '/offline/devices', {
        token: admin,
        body: { ...terminal(d), ...patch },
      });
      expect(res.status).toBe(400);
    }
    const res = await s.call('POST', '/offline/devices', { token: ops, body: terminal(d) });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('FORBIDDEN');
  });
});

describe('enrollment codes', () => {
  it('issue → enroll returns the device, server keys and policy; the code works once', async () => {
    await s.call('POST', '/offline/policies', {
      token: ops,
      body: {
        country: 'ID',
        currency: 'IDR',
        max_offline_amount: 5_000_000,
        max_offline_per_device_per_day: 50,
        max_unsynced_amount: 20_000_000,
        approval_threshold: 1_000_000,
        enabled: true,
      },
    });
    const c = await issueCode();
    expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const d = newDevice('LAP');
    const res = await enroll(d, c.toLowerCase().replaceAll('-', ' '));
    expect(res.status).toBe(201);
    const body = res.body as EnrollResponse;
    expect(body.device).toMatchObject({
      device_id: d.id,
      tenant_type: 'school',
      tenant_id: 'school_7',
      country: 'ID',
    });
    expect(body.server.signing_public_key_pem).toContain('BEGIN PUBLIC KEY');
    expect(body.server.hpke_public_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.policy).toMatchObject({ country: 'ID', version: 1, max_bundle_age_hours: 72 });
    // Laptops registered by a user learn the same keys from the public route.
    const published = await s.call('GET', '/api/v1/offline/server-keys');
    expect(published.status).toBe(200);
    expect(published.body).toEqual(body.server);

    const other = newDevice('LAP');
    const reuse = await enroll(other, c);
    expect(reuse.status).toBe(403);
    expect(code(reuse)).toBe('ENROLLMENT_CODE_INVALID');
  });

  it('unknown, malformed and expired codes get the same answer', async () => {
    const c = await issueCode({ expires_in_hours: 1 });
    await s.pool.query("UPDATE enrollment_codes SET expires_at = now() - interval '1 second'");
    const answers = [];
    for (const attempt of [c, 'ZZZZ-ZZZZ-ZZZZ', 'not a code']) {
      const res = await enroll(newDevice('LAP'), attempt);
      expect(res.status).toBe(403);
      answers.push(res.body);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('two devices racing one code: exactly one wins', async () => {
    const c = await issueCode();
    const results = await Promise.all([1, 2, 3, 4].map(() => enroll(newDevice('RACE'), c)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 403, 403, 403]);
  });

  it('requires proof of possession of pubkey_pem and the same device id', async () => {
    const c = await issueCode();
    const d = newDevice('LAP');
    const impostor = newDevice('LAP');
    const body = enrollBody(d, c);
    const forged = await s.call('POST', '/offline/enroll', {
      rawBody: body,
      headers: signed({ id: d.id, privateKey: impostor.privateKey }, 'POST', '/offline/enroll', body),
    });
    expect(forged.status).toBe(401);
    expect(code(forged)).toBe('INVALID_SIGNATURE');
    const otherId = await s.call('POST', '/offline/enroll', {
      rawBody: body,
      headers: signed(impostor, 'POST', '/offline/enroll', body),
    });
    expect(code(otherId)).toBe('INVALID_SIGNATURE');
    const unsigned = await s.call('POST', '/offline/enroll', { rawBody: body });
    expect(code(unsigned)).toBe('INVALID_SIGNATURE');
    // The code was not spent by the failures.
    expect((await enroll(d, c)).status).toBe(201);
  });

  it('an existing device id is 409 DEVICE_EXISTS and does not spend the code', async () => {
    const d = newDevice('POS');
    await s.call('POST', '/offline/devices', { token: admin, body: terminal(d) });
    const c = await issueCode();
    const res = await enroll(d, c);
    expect(res.status).toBe(409);
    expect(code(res)).toBe('DEVICE_EXISTS');
    expect((await enroll(newDevice('LAP'), c)).status).toBe(201);
  });

  it('enrolls a known till again only with its own keys and fingerprint, from a laptop never (#16)', async () => {
    const d = newDevice('POS');
    expect((await enroll(d, await issueCode())).status).toBe(201);
    const again = await enroll(d, await issueCode({ country: 'SN', currency_default: 'XOF' }));
    expect(again.status).toBe(201);
    expect((again.body as EnrollResponse).device).toMatchObject({ device_id: d.id, country: 'SN' });
    // Same id, signed with its own new key: another device under that id, as before.
    for (const other of [
      { ...newDevice('POS'), id: d.id },
      { ...d, x25519: newDevice('POS').x25519 },
      { ...d, fingerprint: 'fp-another-machine' },
    ]) {
      const c = await issueCode();
      const res = await enroll(other, c);
      expect(res.status).toBe(409);
      expect(code(res)).toBe('DEVICE_EXISTS');
    }
    // A laptop a user registered is no till of a tenant: a code does not take it over.
    const user = await s.user(`reader-${Date.now()}@example.com`, ['student']);
    const laptop = newDevice('LAP');
    const registered = await s.call('POST', '/api/v1/offline/devices', {
      token: user.token,
      body: {
        device_id: laptop.id,
        pubkey_pem: laptop.pem,
        x25519_pub: laptop.x25519,
        fingerprint: laptop.fingerprint,
        name: 'Laptop',
        platform: 'linux',
      },
    });
    expect(registered.status).toBe(201);
    expect(code(await enroll(laptop, await issueCode()))).toBe('DEVICE_EXISTS');
  });

  // Attack (#16, eleventh and twelfth passes): an id differing only in case from a registered
  // one (here a revoked till's) enrolled as a second till beside it.
  it('an id differing only in letter case from a registered one is that id: 409, on every route', async () => {
    const d = newDevice('POS');
    expect((await enroll(d, await issueCode())).status).toBe(201);
    const revoke = await s.call('POST', `/offline/tills/${encodeURIComponent(d.id)}/revoke`, {
      token: admin,
      body: { reason: 'stolen' },
    });
    expect(revoke.status, revoke.text).toBe(200);
    const c = await issueCode();
    for (const id of [d.id.toLowerCase(), d.id.replace('POS', 'pOs')]) {
      const res = await enroll({ ...newDevice('POS'), id }, c);
      expect([res.status, code(res)]).toEqual([409, 'DEVICE_EXISTS']);
      const admin_ = await s.call('POST', '/offline/devices', {
        token: admin,
        body: terminal({ ...newDevice('POS'), id }),
      });
      expect([admin_.status, code(admin_)]).toEqual([409, 'DEVICE_EXISTS']);
    }
    const user = await s.user(`case-${Date.now()}@example.com`, ['student']);
    const lap = newDevice('POS');
    const laptop = await s.call('POST', '/api/v1/offline/devices', {
      token: user.token,
      body: {
        device_id: d.id.toLowerCase(),
        pubkey_pem: lap.pem,
        x25519_pub: lap.x25519,
        fingerprint: lap.fingerprint,
        name: 'Laptop',
        platform: 'linux',
      },
    });
    expect([laptop.status, code(laptop)]).toEqual([409, 'DEVICE_EXISTS']);
    const { rows } = await s.pool.query(
      'SELECT device_id FROM offline_devices WHERE lower(device_id) = lower($1)',
      [d.id],
    );
    expect(rows).toEqual([{ device_id: d.id }]);
    // The code the refusals named was not spent.
    expect((await enroll(newDevice('POS'), c)).status).toBe(201);
  });

  it('issuing needs pay_admin', async () => {
    const res = await s.call('POST', '/offline/enrollment-codes', {
      token: ops,
      body: { tenant_type: 'school', tenant_id: 's', country: 'ID', currency_default: 'IDR' },
    });
    expect(res.status).toBe(403);
    const tooLong = await s.call('POST', '/offline/enrollment-codes', {
      token: admin,
      body: {
        tenant_type: 'school',
        tenant_id: 's',
        country: 'ID',
        currency_default: 'IDR',
        expires_in_hours: 721,
      },
    });
    expect(tooLong.status).toBe(400);
  });
});

describe('device-signed requests (check-in)', () => {
  let d: TestDevice;
  beforeAll(async () => {
    d = newDevice('POS');
    await s.call('POST', '/offline/devices', { token: admin, body: terminal(d) });
  });

  it('accepts a signed check-in and returns status, time and policy', async () => {
    const res = await checkIn(d, { fingerprint: d.fingerprint });
    expect(res.status).toBe(200);
    const body = res.body as CheckInResponse;
    expect(body).toMatchObject({ device_id: d.id, status: 'active', policy: null });
    expect(Math.abs(Date.parse(body.server_time) - Date.now())).toBeLessThan(60_000);
    // An empty body is fine too.
    const empty = await s.call('POST', '/offline/devices/check-in', {
      headers: signed(d, 'POST', '/offline/devices/check-in', ''),
    });
    expect(empty.status).toBe(200);
  });

  it('refuses a field the check-in does not have (strict, as docs/protocol.md says of every object)', async () => {
    const res = await checkIn(d, { fingerprint: d.fingerprint, app_version: '1.0.0' });
    expect(res.status).toBe(400);
    expect(code(res)).toBe('VALIDATION_FAILED');
  });

  it('refuses a replayed request with 403 INVALID_NONCE, also when both copies arrive at once', async () => {
    const body = '{}';
    const headers = signed(d, 'POST', '/offline/devices/check-in', body);
    const first = await s.call('POST', '/offline/devices/check-in', { rawBody: body, headers });
    expect(first.status).toBe(200);
    const replay = await s.call('POST', '/offline/devices/check-in', { rawBody: body, headers });
    expect(replay.status).toBe(403);
    expect(code(replay)).toBe('INVALID_NONCE');

    const twin = signed(d, 'POST', '/offline/devices/check-in', body);
    const both = await Promise.all(
      [1, 2, 3].map(() => s.call('POST', '/offline/devices/check-in', { rawBody: body, headers: twin })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 403, 403]);
  });

  it('refuses a tampered body, path or signature with 401 INVALID_SIGNATURE', async () => {
    const body = JSON.stringify({ fingerprint: d.fingerprint });
    const headers = signed(d, 'POST', '/offline/devices/check-in', body);
    const tampered = await s.call('POST', '/offline/devices/check-in', {
      rawBody: body.replace('fp-', 'fq-'),
      headers,
    });
    expect(tampered.status).toBe(401);
    expect(code(tampered)).toBe('INVALID_SIGNATURE');
    // Same JSON value, different bytes: the signature covers the bytes.
    const spaced = await s.call('POST', '/offline/devices/check-in', {
      rawBody: ` ${body}`,
      headers: signed(d, 'POST', '/offline/devices/check-in', body),
    });
    expect(code(spaced)).toBe('INVALID_SIGNATURE');
    const query = await s.call('POST', '/offline/devices/check-in?x=1', {
      rawBody: body,
      headers: signed(d, 'POST', '/offline/devices/check-in', body),
    });
    expect(code(query)).toBe('INVALID_SIGNATURE');
    const sig = headers['x-outpost-signature']!;
    const flipped = { ...signed(d, 'POST', '/offline/devices/check-in', body) };
    flipped['x-outpost-signature'] = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(code(await s.call('POST', '/offline/devices/check-in', { rawBody: body, headers: flipped }))).toBe(
      'INVALID_SIGNATURE',
    );
    const missing = await s.call('POST', '/offline/devices/check-in', { rawBody: body });
    expect(code(missing)).toBe('INVALID_SIGNATURE');
  });

  it('refuses timestamps outside the 5-minute window with 403 INVALID_NONCE', async () => {
    for (const skew of [-6 * 60_000, 6 * 60_000]) {
      const body = '{}';
      const res = await s.call('POST', '/offline/devices/check-in', {
        rawBody: body,
        headers: signed(d, 'POST', '/offline/devices/check-in', body, Date.now() + skew),
      });
      expect(res.status).toBe(403);
      expect(code(res)).toBe('INVALID_NONCE');
    }
  });

  // Attack (issue #16): probing which device ids exist. An unknown id and a known id with a wrong
  // signature must be indistinguishable; only the key's holder learns that its device is revoked.
  it('answers an unknown device exactly as a bad signature: 401 INVALID_SIGNATURE, same bytes', async () => {
    const stranger = newDevice('GHOST');
    const unknown = await checkIn(stranger);
    const forged = await checkIn({ ...stranger, id: d.id });
    const answer = (res: typeof unknown) => ({
      status: res.status,
      text: res.text,
      type: res.headers.get('content-type'),
      length: res.headers.get('content-length'),
      auth: res.headers.get('www-authenticate'),
    });
    expect(answer(unknown)).toEqual(answer(forged));
    expect([unknown.status, code(unknown)]).toEqual([401, 'INVALID_SIGNATURE']);
  });

  it('403 DEVICE_FINGERPRINT_MISMATCH when body or header fingerprint differs', async () => {
    const res = await checkIn(d, { fingerprint: 'fp-someone-else' });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('DEVICE_FINGERPRINT_MISMATCH');
    const header = await checkIn(d, {}, { 'x-outpost-fingerprint': 'fp-someone-else' });
    expect(code(header)).toBe('DEVICE_FINGERPRINT_MISMATCH');
    expect((await checkIn(d, {}, { 'x-outpost-fingerprint': d.fingerprint })).status).toBe(200);
  });
});

describe('student laptops /api/v1/offline/devices', () => {
  const laptop = (d: TestDevice) => ({
    device_id: d.id,
    fingerprint: d.fingerprint,
    name: 'My laptop',
    platform: 'linux',
    pubkey_pem: d.pem,
    x25519_pub: d.x25519,
  });

  it('registers, is idempotent, refuses another fingerprint and another owner', async () => {
    const alice = await s.user('alice@example.com', ['student']);
    const bob = await s.user('bob@example.com', ['teacher']);
    const d = newDevice('LAP');
    const first = await s.call('POST', '/api/v1/offline/devices', { token: alice.token, body: laptop(d) });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ device_id: d.id, user_id: alice.id, status: 'active' });
    const again = await s.call('POST', '/api/v1/offline/devices', { token: alice.token, body: laptop(d) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await s.call('POST', '/api/v1/offline/devices', {
      token: alice.token,
      body: { ...laptop(d), fingerprint: 'fp-other-machine' },
    });
    expect(other.status).toBe(403);
    expect(code(other)).toBe('DEVICE_FINGERPRINT_MISMATCH');
    const stolen = await s.call('POST', '/api/v1/offline/devices', { token: bob.token, body: laptop(d) });
    expect(stolen.status).toBe(409);
    expect(code(stolen)).toBe('DEVICE_EXISTS');
    expect(
      (await s.call('POST', '/api/v1/offline/devices', { token: admin, body: laptop(newDevice()) })).status,
    ).toBe(403);
  });

  it('allows at most 5 active devices, also under concurrency', async () => {
    const carol = await s.user('carol@example.com', ['student']);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        s.call('POST', '/api/v1/offline/devices', { token: carol.token, body: laptop(newDevice('LAP')) }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => code(r) === 'DEVICE_LIMIT_EXCEEDED')).toHaveLength(3);
    const list = await s.call('GET', '/api/v1/offline/devices', { token: carol.token });
    expect((list.body as { devices: DeviceRecord[] }).devices).toHaveLength(5);
  });

  it('deregistering revokes the device and its licences in one go; the device then cannot sign', async () => {
    const dave = await s.user('dave@example.com', ['student']);
    const d = newDevice('LAP');
    await s.call('POST', '/api/v1/offline/devices', { token: dave.token, body: laptop(d) });
    await s.pool.query(
      `INSERT INTO offline_licenses (material_id, device_id, user_id, status, expires_at)
       VALUES ('m1', $1, $2, 'active', now() + interval '30 days'), ('m2', $1, $2, 'ready', now() + interval '30 days'),
              ('m3', $1, $2, 'expired', now())`,
      [d.id, dave.id],
    );
    expect((await checkIn(d)).status).toBe(200);
    const del = await s.call('DELETE', `/api/v1/offline/devices/${d.id}`, { token: dave.token });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ device: { device_id: d.id, status: 'revoked' }, licenses_revoked: 2 });
    const { rows } = await s.pool.query<{ status: string }>(
      'SELECT status FROM offline_licenses WHERE device_id = $1 ORDER BY material_id',
      [d.id],
    );
    expect(rows.map((r) => r.status)).toEqual(['revoked', 'revoked', 'expired']);
    const signedAfter = await checkIn(d);
    expect(signedAfter.status).toBe(404);
    expect(code(signedAfter)).toBe('DEVICE_NOT_FOUND');
    const twice = await s.call('DELETE', `/api/v1/offline/devices/${d.id}`, { token: dave.token });
    expect(code(twice)).toBe('DEVICE_NOT_FOUND');
    const notMine = await s.call('DELETE', `/api/v1/offline/devices/${d.id}`, {
      token: (await s.user('eve@example.com', ['student'])).token,
    });
    expect(notMine.status).toBe(404);
    // Registering it again reactivates it with the new identity.
    const back = await s.call('POST', '/api/v1/offline/devices', { token: dave.token, body: laptop(d) });
    expect(back.status).toBe(201);
  });
});

describe('methods', () => {
  it('answers 405 with Allow for a known path and wrong method', async () => {
    const res = await s.call('PUT', '/offline/policies', { token: admin });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, GET, HEAD');
  });
});
