import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { publicKeyRaw } from '../../protocol/crypto';
import type { EnrollmentCodeResponse } from '../../protocol/http';
import { enrollTerminal, newDevice, SN_POLICY, TEST_WALLET } from '../payments/test-support';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { fakePdf, registerLaptop, seedMaterial, takeLicence, uploadMaterial } from '../testing/materials';

// Ninth red-team pass, L-2: an enrollment code's label, a laptop's name (any student sets one), a
// material's title and a till's revoke reason took a card number or a magnetic track, were stored and
// listed back. Every stored free-text field of a request now runs the till's card-data rule
// (protocol/http/common.ts storedText).

const CARD = '4111 1111 1111 1111';
const TRACK = '%B4111111111111111^DOE/JOHN^2512101?';

let s: TestServer;
let admin: string;
let ops: string;
let teacher: string;
let student: string;
const STUDENT = 'free-text-student@example.com';

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('free-text-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('free-text-ops@example.com', ['ops'])).token;
  teacher = (await s.user('free-text-teacher@example.com', ['teacher'])).token;
  student = (await s.user(STUDENT, ['student'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const refused = (res: { status: number; body: unknown }, path: string) => {
  const error = (res.body as { error?: { code: string; details?: { path: string; message: string }[] } })
    .error;
  expect([res.status, error?.code], JSON.stringify(res.body)).toEqual([400, 'VALIDATION_FAILED']);
  expect(error?.details?.find((d) => d.path === path)?.message).toMatch(/card data/);
};

/** Nothing anywhere in the database holds the card number: every table, every text column. */
async function databaseHoldsCard(): Promise<string[]> {
  const { rows } = await s.pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb')`,
  );
  const hits: string[] = [];
  for (const { table_name, column_name } of rows) {
    const { rowCount } = await s.pool.query(
      `SELECT 1 FROM "${table_name}" WHERE "${column_name}"::text LIKE '%4111%1111%1111%1111%' LIMIT 1`,
    );
    if (rowCount) hits.push(`${table_name}.${column_name}`);
  }
  return hits;
}

const codeBody = (label: string) => ({
  tenant_type: 'merchant',
  tenant_id: 'free-text',
  country: 'SN',
  currency_default: 'XOF',
  label,
});

describe('card data in stored free text (ninth pass L-2)', () => {
  it('enrollment code labels: a card number or a track is refused, an ordinary label is kept', async () => {
    refused(
      await s.call('POST', '/offline/enrollment-codes', { token: admin, body: codeBody(CARD) }),
      'label',
    );
    refused(
      await s.call('POST', '/offline/enrollment-codes', { token: admin, body: codeBody(TRACK) }),
      'label',
    );
    const fine = await s.call('POST', '/offline/enrollment-codes', {
      token: admin,
      body: codeBody('Till 2 (back)'),
    });
    expect(fine.status, fine.text).toBe(201);
    const listed = await s.call('GET', '/offline/enrollment-codes', { token: admin });
    expect(listed.text).toContain('Till 2 (back)');
    expect(listed.text).not.toContain('4111');
  });

  it("a till's name at enrollment and a laptop's name or platform: refused with a card number", async () => {
    const { code } = (
      await s.call('POST', '/offline/enrollment-codes', { token: admin, body: codeBody('Till 3') })
    ).body as EnrollmentCodeResponse;
    const till = newDevice('POS');
    const body = JSON.stringify({
      code,
      device_id: till.id,
      pubkey_pem: till.pem,
      x25519_pub: till.x25519,
      fingerprint: till.fingerprint,
      name: `Till ${CARD}`,
    });
    refused(
      await s.call('POST', '/offline/enroll', {
        rawBody: body,
        headers: signed(till, 'POST', '/offline/enroll', body),
      }),
      'name',
    );
    const laptop = newDevice('LAP');
    const register = (name: string, platform: string) =>
      s.call('POST', '/api/v1/offline/devices', {
        token: student,
        body: {
          device_id: laptop.id,
          fingerprint: laptop.fingerprint,
          name,
          platform,
          pubkey_pem: laptop.pem,
          x25519_pub: laptop.x25519,
        },
      });
    refused(await register(CARD, 'linux'), 'name');
    refused(await register('Awa', ';4111111111111111=2512'), 'platform');
    expect((await register("Awa's laptop", 'linux')).status).toBe(201);
    const laptops = await s.call('GET', '/offline/laptops', { token: admin });
    expect(laptops.text).toContain("Awa's laptop");
    expect(laptops.text).not.toContain('4111');
  });

  it("a material's title and a licence's revoke reason: refused with a card number", async () => {
    refused(await uploadMaterial(s, teacher, fakePdf(2048), { title: `Notes ${CARD}` }), 'title');
    const material = await seedMaterial(s, teacher, fakePdf(2048), { title: 'Cours 1', grantTo: [STUDENT] });
    const laptop = await registerLaptop(s, student);
    const { licence_id } = await takeLicence(s, laptop, material.material_id);
    const revoke = (reason: string) =>
      s.call('POST', `/api/v1/offline/licenses/${licence_id}/revoke`, { token: teacher, body: { reason } });
    refused(await revoke(`paid with ${CARD}`), 'reason');
    expect((await revoke('left the class')).status).toBe(200);
  });

  it("a till's revoke reason, a review note and a wallet's name: refused with a card number", async () => {
    const till = await enrollTerminal(s, admin, { tenantId: 'free-text' });
    const revoke = (reason: string) =>
      s.call('POST', `/offline/tills/${till.id}/revoke`, { token: admin, body: { reason } });
    refused(await revoke(`customer card ${CARD}`), 'reason');
    refused(
      await s.call('POST', `/offline/review/${randomUUID()}`, {
        token: ops,
        body: { decision: 'approve', note: `card ${CARD}` },
      }),
      'note',
    );
    const issuer = (name: string) =>
      s.call('POST', '/offline/qr/issuers', {
        token: admin,
        body: {
          issuer_id: TEST_WALLET.issuer_id,
          key_id: TEST_WALLET.key_id,
          name,
          public_key: publicKeyRaw(TEST_WALLET.publicKey).toString('base64url'),
        },
      });
    refused(await issuer(TRACK), 'name');
    expect((await issuer('Wave')).status).toBe(200);
    expect((await revoke('stolen')).status).toBe(200);
    expect(await databaseHoldsCard()).toEqual([]);
  });
});
