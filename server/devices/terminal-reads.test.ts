import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyRaw, generateEd25519 } from '../../protocol/crypto/ed25519';
import { signed, startTestServer, type TestDevice, type TestServer } from '../testing/harness';
import { enrollTerminal, newDevice, SN_POLICY } from '../payments/test-support';

/**
 * Attack test of issue #16 (follow-up): the device-signed reads only a till needs. A laptop a user
 * registered has a genuine key, so its signature verifies; it must still not read a tenant's
 * payment policy, catalog or the payment issuer keys.
 */

let s: TestServer;
let admin: string;
let laptop: TestDevice;
const ISSUER = { issuer_id: 'wave', key_id: 'k1', name: 'Wave', public_key: '' };

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('pay-admin@reads.test', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  ISSUER.public_key = publicKeyRaw(generateEd25519().publicKey).toString('base64url');
  expect((await s.call('POST', '/offline/qr/issuers', { token: admin, body: ISSUER })).status).toBe(200);
  const student = await s.user('student@reads.test', ['student']);
  laptop = newDevice('LAP');
  const registered = await s.call('POST', '/api/v1/offline/devices', {
    token: student.token,
    body: {
      device_id: laptop.id,
      fingerprint: laptop.fingerprint,
      name: 'My laptop',
      platform: 'linux',
      pubkey_pem: laptop.pem,
      x25519_pub: laptop.x25519,
    },
  });
  expect(registered.status).toBe(201);
});
afterAll(async () => {
  await s?.close();
});

const get = (d: Pick<TestDevice, 'id' | 'privateKey'>, path: string) =>
  s.call('GET', path, { headers: signed(d, 'GET', path, '') });

const nonces = async (deviceId: string) =>
  Number(
    (
      await s.pool.query<{ n: string }>('SELECT count(*) AS n FROM device_nonces WHERE device_id = $1', [
        deviceId,
      ])
    ).rows[0]!.n,
  );

describe('reads only a till needs refuse a laptop', () => {
  it.each(['/offline/sync/payments', '/offline/qr/issuers'])(
    'a laptop a user registered, genuinely signed, GET %s: 403 DEVICE_NOT_TERMINAL, nothing read or recorded',
    async (path) => {
      const res = await get(laptop, path);
      expect(res.status, res.text).toBe(403);
      expect((res.body as { error: { code: string } }).error.code).toBe('DEVICE_NOT_TERMINAL');
      // Neither the policy nor the issuer key left the server; the refusal wrote nothing.
      expect(res.text).not.toContain(ISSUER.public_key);
      expect(res.text).not.toContain('"policy"');
      expect(await nonces(laptop.id)).toBe(0);
      const seen = await s.pool.query<{ last_seen_at: Date | null }>(
        'SELECT last_seen_at FROM offline_devices WHERE device_id = $1',
        [laptop.id],
      );
      expect(seen.rows[0]!.last_seen_at).toBeNull();
    },
  );

  it('a POS terminal of a tenant still reads both', async () => {
    const till = await enrollTerminal(s, admin);
    const pulled = await get(till.device, '/offline/sync/payments');
    expect(pulled.status, pulled.text).toBe(200);
    expect((pulled.body as { policy: { country: string } | null }).policy?.country).toBe('SN');
    const issuers = await get(till.device, '/offline/qr/issuers');
    expect(issuers.status, issuers.text).toBe(200);
    expect(issuers.body).toEqual({ issuers: [ISSUER], statement: expect.any(Object) });
  });
});
