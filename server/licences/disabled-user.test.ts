import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaterialRecord } from '../../protocol/http';
import type { ServerStatement } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../testing/harness';
import {
  deviceCall,
  fakePdf,
  registerLaptop,
  seedMaterial,
  takeLicence,
  type Laptop,
} from '../testing/materials';

// Ninth red-team pass, L-1: a pay_admin disabled a student (bearer 401, no new licence), but the
// laptop's device key still synced its licence as "ready" (a signed check-in: the grace restarted),
// validated it and downloaded the file, reading on until the licence's 30-day expiry. Disabling a
// user now revokes their live licences, as withdrawing a grant does.

let s: TestServer;
let admin: string;
let teacher: string;
let materials: MaterialRecord[];
const STUDENT = 'disabled-student@school.test';
const CLASSMATE = 'classmate@school.test';

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('disabled-admin@school.test', ['pay_admin'])).token;
  teacher = (await s.user('disabled-teacher@school.test', ['teacher'])).token;
  materials = [
    await seedMaterial(s, teacher, fakePdf(3000), { title: 'Cours 1', grantTo: [STUDENT, CLASSMATE] }),
    await seedMaterial(s, teacher, fakePdf(3000), { title: 'Cours 2', grantTo: [STUDENT] }),
  ];
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;

const take = (laptop: Laptop, material: MaterialRecord) => takeLicence(s, laptop, material.material_id);

const setDisabled = (id: string, disabled: boolean) =>
  s.call('POST', `/console/users/${id}/status`, { token: admin, body: { disabled } });

describe('disabling a user (ninth pass L-1)', () => {
  it("revokes the user's live licences: sync says revoked, signed; validate, renew and download refuse", async () => {
    const student = await s.user(STUDENT, ['student']);
    const classmate = await s.user(CLASSMATE, ['student']);
    const laptop = await registerLaptop(s, student.token);
    const other = await registerLaptop(s, classmate.token);
    const [active, ready] = [await take(laptop, materials[0]!), await take(laptop, materials[1]!)];
    const theirs = await take(other, materials[0]!);
    const validate = (l: Laptop, licence: typeof active) =>
      deviceCall(s, l, 'POST', `/api/v1/offline/licenses/${licence.licence_id}/validate`, {
        nonce: licence.nonce,
      });
    expect((await validate(laptop, active)).status).toBe(200);

    const off = await setDisabled(student.id, true);
    expect(off.status, off.text).toBe(200);

    const sync = await deviceCall(s, laptop, 'POST', '/api/v1/offline/sync', {
      licences: [active, ready].map((l) => ({ license_id: l.licence_id, nonce: l.nonce })),
      request_nonce: randomBytes(16).toString('base64url'),
    });
    expect(sync.status, sync.text).toBe(200);
    const statement = (sync.body as { statement: ServerStatement }).statement;
    expect(statement.licences.map((l) => [l.license_id, l.status])).toEqual([
      [active.licence_id, 'revoked'],
      [ready.licence_id, 'revoked'],
    ]);
    const v = await validate(laptop, active);
    expect([v.status, code(v)]).toEqual([403, 'LICENSE_REVOKED']);
    const renew = await deviceCall(s, laptop, 'POST', `/api/v1/offline/licenses/${ready.licence_id}/renew`, {
      nonce: ready.nonce,
    });
    expect([renew.status, code(renew)]).toEqual([403, 'LICENSE_REVOKED']);
    for (const material of materials) {
      const dl = await deviceCall(
        s,
        laptop,
        'GET',
        `/api/v1/offline/materials/${material.material_id}/download`,
      );
      expect([dl.status, code(dl)]).toEqual([404, 'LICENSE_NOT_FOUND']);
    }
    const retake = await deviceCall(
      s,
      laptop,
      'POST',
      `/api/v1/offline/materials/${materials[0]!.material_id}/license`,
      {
        device_id: laptop.id,
      },
    );
    expect([retake.status, code(retake)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);

    // Nobody else's licence moved, and the audit says how many went.
    expect((await validate(other, theirs)).status).toBe(200);
    const audit = await s.pool.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM offline_audit_logs WHERE action = 'user.disabled' AND target_id = $1",
      [student.id],
    );
    expect(audit.rows.map((r) => r.details.licences_revoked)).toEqual([2]);

    // Enabled again: the revoked licences stay revoked; the grants let the laptop take new ones.
    expect((await setDisabled(student.id, false)).status).toBe(200);
    expect(code(await validate(laptop, ready))).toBe('LICENSE_REVOKED');
    const fresh = await take(laptop, materials[1]!);
    expect(fresh.licence_id).not.toBe(ready.licence_id);
  });
});
