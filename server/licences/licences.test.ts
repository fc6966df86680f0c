import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenceResponse, MaterialRecord } from '../../protocol/http';
import { signed, startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../testing/harness';
import { deviceCall, fakePdf, registerLaptop, seedMaterial, type Laptop } from '../testing/materials';

let s: TestServer;
let teacher: string;
let studentToken: string;
let material: MaterialRecord;

beforeAll(async () => {
  s = await startTestServer();
  teacher = (await s.user('teacher@school.test', ['teacher'])).token;
  studentToken = (await s.user('student@school.test', ['student'])).token;
  await s.user('nobody@school.test', ['student']);
  material = await seedMaterial(s, teacher, fakePdf(5000), { grantTo: ['student@school.test'] });
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const issuePath = (id = material.material_id) => `/api/v1/offline/materials/${id}/license`;

async function issue(laptop: Laptop, id = material.material_id) {
  const res = await deviceCall(s, laptop, 'POST', issuePath(id), { device_id: laptop.id });
  expect(res.status, res.text).toBeLessThan(300);
  return (res.body as LicenceResponse).licence;
}

const validate = (laptop: Laptop, id: string, nonce: string) =>
  deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${id}/validate`, { nonce });

describe('licence issue', () => {
  it('refuses materials the user was not granted, unknown ones, unready ones, and another device id', async () => {
    const laptop = await registerLaptop(s, studentToken);
    const stranger = await registerLaptop(
      s,
      await s
        .call('POST', '/auth/sign-in', {
          body: { email: 'nobody@school.test', password: 'correct horse battery staple' },
        })
        .then((r) => (r.body as { access_token: string }).access_token),
    );
    const denied = await deviceCall(s, stranger, 'POST', issuePath(), { device_id: stranger.id });
    expect([denied.status, code(denied)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);
    const unknown = await deviceCall(s, laptop, 'POST', issuePath('00000000-0000-4000-8000-000000000000'), {
      device_id: laptop.id,
    });
    expect([unknown.status, code(unknown)]).toEqual([404, 'MATERIAL_NOT_FOUND']);
    const other = await deviceCall(s, laptop, 'POST', issuePath(), { device_id: stranger.id });
    expect([other.status, code(other)]).toEqual([401, 'INVALID_SIGNATURE']);
    const up = await fetch(`${s.url}/api/v1/offline/materials?title=pending`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teacher}`, 'content-type': 'application/pdf' },
      body: fakePdf(100),
    });
    const pending = ((await up.json()) as { material: MaterialRecord }).material;
    await s.call('POST', `/api/v1/offline/materials/${pending.material_id}/grants`, {
      token: teacher,
      body: { emails: ['student@school.test'] },
    });
    const notReady = await deviceCall(s, laptop, 'POST', issuePath(pending.material_id), {
      device_id: laptop.id,
    });
    expect([notReady.status, code(notReady)]).toEqual([409, 'MATERIAL_NOT_READY']);
    const noLicence = await deviceCall(
      s,
      laptop,
      'GET',
      `/api/v1/offline/materials/${material.material_id}/download`,
    );
    expect([noLicence.status, code(noLicence)]).toEqual([404, 'LICENSE_NOT_FOUND']);
  });

  it('refuses a replayed request (INVALID_NONCE) and a stale timestamp', async () => {
    const laptop = await registerLaptop(s, studentToken);
    const body = JSON.stringify({ device_id: laptop.id });
    const headers = signed(laptop, 'POST', issuePath(), body);
    const first = await s.call('POST', issuePath(), { headers, rawBody: body });
    expect(first.status).toBe(201);
    const replay = await s.call('POST', issuePath(), { headers, rawBody: body });
    expect([replay.status, code(replay)]).toEqual([403, 'INVALID_NONCE']);
    const stale = await deviceCall(
      s,
      laptop,
      'POST',
      issuePath(),
      { device_id: laptop.id },
      Date.now() - 6 * 60_000,
    );
    expect([stale.status, code(stale)]).toEqual([403, 'INVALID_NONCE']);
  });
});

describe('licence lifecycle', () => {
  it('validate activates; renew replaces (old cancelled); return frees the slot; revoke shows at sync and withdraws access until a re-grant', async () => {
    const laptop = await registerLaptop(s, studentToken);
    const licence = await issue(laptop);
    const ok = await validate(laptop, licence.licence_id, licence.nonce);
    expect(ok.body).toMatchObject({ valid: true, status: 'active', expires_at: licence.expires_at });

    const renewed = await deviceCall(
      s,
      laptop,
      'POST',
      `/api/v1/offline/licenses/${licence.licence_id}/renew`,
      {
        nonce: licence.nonce,
      },
    );
    expect(renewed.status, renewed.text).toBe(200);
    const fresh = (renewed.body as LicenceResponse).licence;
    expect(fresh.licence_id).not.toBe(licence.licence_id);
    expect(fresh.nonce).not.toBe(licence.nonce);
    expect(Date.parse(fresh.expires_at)).toBeGreaterThanOrEqual(Date.parse(licence.expires_at));
    const old = await validate(laptop, licence.licence_id, licence.nonce);
    expect([old.status, code(old)]).toEqual([403, 'LICENSE_REVOKED']);

    const sync = await deviceCall(s, laptop, 'POST', '/api/v1/offline/sync', {
      licences: [
        { license_id: licence.licence_id, nonce: licence.nonce },
        { license_id: fresh.licence_id, nonce: fresh.nonce },
        { license_id: '00000000-0000-4000-8000-000000000000', nonce: 'x' },
      ],
    });
    expect(sync.body).toMatchObject({
      licences: [
        { license_id: licence.licence_id, status: 'cancelled' },
        { license_id: fresh.licence_id, status: 'active', expires_at: fresh.expires_at },
        { status: 'revoked', expires_at: null },
      ],
      server_time: expect.any(String),
    });

    const revoked = await s.call('POST', `/api/v1/offline/licenses/${fresh.licence_id}/revoke`, {
      token: teacher,
      body: { reason: 'left the class' },
    });
    expect(revoked.body).toEqual({ license_id: fresh.licence_id, status: 'revoked' });
    const afterRevoke = await deviceCall(s, laptop, 'POST', '/api/v1/offline/sync', {
      licences: [{ license_id: fresh.licence_id, nonce: fresh.nonce }],
    });
    expect(afterRevoke.body).toMatchObject({ licences: [{ status: 'revoked' }] });
    const v = await validate(laptop, fresh.licence_id, fresh.nonce);
    expect(code(v)).toBe('LICENSE_REVOKED');
    const ret = await deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${fresh.licence_id}/return`);
    expect([ret.status, code(ret)]).toEqual([403, 'LICENSE_REVOKED']);

    // Attack (#16 F3): right after the revoke the same laptop asks for a new licence and a download.
    // Revoking withdrew the grant, so both are refused until the teacher grants the material again.
    const retake = await deviceCall(s, laptop, 'POST', issuePath(), { device_id: laptop.id });
    expect([retake.status, code(retake)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);
    const dl = await deviceCall(
      s,
      laptop,
      'GET',
      `/api/v1/offline/materials/${material.material_id}/download`,
    );
    expect([dl.status, code(dl)]).toEqual([404, 'LICENSE_NOT_FOUND']);
    const renew = await deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${fresh.licence_id}/renew`, {
      nonce: fresh.nonce,
    });
    expect([renew.status, code(renew)]).toEqual([403, 'LICENSE_REVOKED']);
    const regrant = await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacher,
      body: { emails: ['student@school.test'] },
    });
    expect(regrant.status, regrant.text).toBeLessThan(300);

    // A re-grant restores access: a new issue is a new licence.
    const third = await issue(laptop);
    expect(third.licence_id).not.toBe(fresh.licence_id);
    const back = await deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${third.licence_id}/return`);
    expect(back.body).toMatchObject({ license_id: third.licence_id, status: 'returned' });
    const twice = await deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${third.licence_id}/return`);
    expect(twice.status).toBe(200);
    expect((await issue(laptop)).licence_id).not.toBe(third.licence_id);

    const actions = await s.pool.query<{ action: string }>(
      "SELECT action FROM offline_audit_logs WHERE action LIKE 'licence.%' ORDER BY id",
    );
    expect(new Set(actions.rows.map((r) => r.action))).toEqual(
      new Set(['licence.issued', 'licence.renewed', 'licence.revoked', 'licence.returned']),
    );
  });

  it('withdrawing a grant revokes the live licence and refuses issue, renew and download; only the owner may; a re-grant restores', async () => {
    // Its own student, so the device limit and grants of the other tests stay as they were.
    const grants = `/api/v1/offline/materials/${material.material_id}/grants`;
    const body = { emails: ['Pupil@school.test'] };
    const pupil = (await s.user('pupil@school.test', ['student'])).token;
    await s.call('POST', grants, { token: teacher, body });
    const laptop = await registerLaptop(s, pupil);
    const licence = await issue(laptop);

    // Attack: another teacher tries to withdraw (or keep) access to a material that is not theirs.
    const other = (await s.user('other-teacher@school.test', ['teacher'])).token;
    const foreign = await s.call('DELETE', grants, { token: other, body });
    expect([foreign.status, code(foreign)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);
    expect((await validate(laptop, licence.licence_id, licence.nonce)).status).toBe(200);

    const withdrawn = await s.call('DELETE', grants, { token: teacher, body });
    expect(withdrawn.body).toEqual({ withdrawn: 1, licenses_revoked: 1 });
    const v = await validate(laptop, licence.licence_id, licence.nonce);
    expect([v.status, code(v)]).toEqual([403, 'LICENSE_REVOKED']);
    const renew = await deviceCall(
      s,
      laptop,
      'POST',
      `/api/v1/offline/licenses/${licence.licence_id}/renew`,
      {
        nonce: licence.nonce,
      },
    );
    expect([renew.status, code(renew)]).toEqual([403, 'LICENSE_REVOKED']);
    const retake = await deviceCall(s, laptop, 'POST', issuePath(), { device_id: laptop.id });
    expect([retake.status, code(retake)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);
    const dl = await deviceCall(
      s,
      laptop,
      'GET',
      `/api/v1/offline/materials/${material.material_id}/download`,
    );
    expect([dl.status, code(dl)]).toEqual([404, 'LICENSE_NOT_FOUND']);
    const audit = await s.pool.query<{ actor_id: string }>(
      "SELECT actor_id FROM offline_audit_logs WHERE action = 'material.grants_withdrawn'",
    );
    const owner = await s.pool.query<{ owner_id: string }>(
      'SELECT owner_id FROM offline_materials WHERE id = $1',
      [material.material_id],
    );
    expect(audit.rows.map((r) => r.actor_id)).toEqual([owner.rows[0]!.owner_id]);

    await s.call('POST', grants, { token: teacher, body });
    const again = await issue(laptop);
    expect(again.licence_id).not.toBe(licence.licence_id);
  });

  it('deregistering the device revokes its licences', async () => {
    const laptop = await registerLaptop(s, studentToken);
    const licence = await issue(laptop);
    const del = await s.call('DELETE', `/api/v1/offline/devices/${laptop.id}`, { token: studentToken });
    expect(del.body).toMatchObject({ licenses_revoked: 1 });
    const { rows } = await s.pool.query<{ status: string }>(
      'SELECT status FROM offline_licenses WHERE id = $1',
      [licence.licence_id],
    );
    expect(rows[0]!.status).toBe('revoked');
    const after = await validate(laptop, licence.licence_id, licence.nonce);
    expect([after.status, code(after)]).toEqual([404, 'DEVICE_NOT_FOUND']);
  });
});

describe('limits', () => {
  it('five failed validations in a row block the device for an hour (kept in PostgreSQL)', async () => {
    const laptop = await registerLaptop(s, studentToken);
    const licence = await issue(laptop);
    for (let i = 0; i < 4; i++)
      expect(code(await validate(laptop, licence.licence_id, 'forged-nonce'))).toBe('INVALID_NONCE');
    // A success resets the count: failures must be in a row.
    expect((await validate(laptop, licence.licence_id, licence.nonce)).status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect(code(await validate(laptop, '00000000-0000-4000-8000-000000000000', 'x'))).toBe(
        'LICENSE_NOT_FOUND',
      );
    expect((await validate(laptop, licence.licence_id, licence.nonce)).status).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await validate(laptop, licence.licence_id, 'forged')).status).toBe(403);
    const blocked = await validate(laptop, licence.licence_id, licence.nonce);
    expect([blocked.status, code(blocked)]).toEqual([429, 'DEVICE_BLOCKED']);
    const dl = await deviceCall(
      s,
      laptop,
      'GET',
      `/api/v1/offline/materials/${material.material_id}/download`,
    );
    expect(code(dl)).toBe('DEVICE_BLOCKED');
    const { rows } = await s.pool.query<{ minutes: number }>(
      `SELECT round(extract(epoch FROM blocked_until - now()) / 60)::int AS minutes
       FROM offline_device_blocks WHERE device_id = $1`,
      [laptop.id],
    );
    expect(rows[0]!.minutes).toBe(60);
    const audit = await s.pool.query(
      "SELECT 1 FROM offline_audit_logs WHERE action = 'device.blocked' AND target_id = $1",
      [laptop.id],
    );
    expect(audit.rowCount).toBe(1);
    // Another device of the same user is not blocked.
    const other = await registerLaptop(s, studentToken);
    const l2 = await issue(other);
    expect((await validate(other, l2.licence_id, l2.nonce)).status).toBe(200);
  });

  it('ten downloads per user per hour, across devices; the eleventh is RATE_LIMIT_EXCEEDED', async () => {
    const user = await s.user('reader@school.test', ['student']);
    await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacher,
      body: { emails: ['reader@school.test'] },
    });
    const a = await registerLaptop(s, user.token);
    const b = await registerLaptop(s, user.token);
    await issue(a);
    await issue(b);
    const path = `/api/v1/offline/materials/${material.material_id}/download`;
    for (let i = 0; i < 10; i++) expect((await deviceCall(s, i % 2 ? a : b, 'GET', path)).status).toBe(200);
    const limited = await deviceCall(s, a, 'GET', path);
    expect([limited.status, code(limited)]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const metrics = await s.call('GET', '/metrics', { token: TEST_METRICS_TOKEN });
    expect(metrics.text).toMatch(/offline_rate_limit_exceeded_total\{limit="downloads"\} [1-9]/);
    expect(metrics.text).toMatch(/offline_downloads_total [1-9]/);
    expect(metrics.text).toMatch(/offline_licenses_issued_total [1-9]/);
    // Another user is unaffected.
    const other = await s.user('other-reader@school.test', ['student']);
    await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacher,
      body: { emails: ['other-reader@school.test'] },
    });
    const laptop = await registerLaptop(s, other.token);
    await issue(laptop);
    expect((await deviceCall(s, laptop, 'GET', path)).status).toBe(200);
  });
});
