import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyRaw } from '../../protocol/crypto/ed25519';
import { newDevice, signed, startTestServer, type TestDevice, type TestServer } from '../testing/harness';

/** Issuer keys on the real server and PostgreSQL: admins set them, active devices read them. */
let s: TestServer;
let admin: string;
let device: TestDevice;

const key = () => publicKeyRaw(generateEd25519().publicKey).toString('base64url');
const list = (d: Pick<TestDevice, 'id' | 'privateKey'> = device) =>
  s.call('GET', '/offline/qr/issuers', { headers: signed(d, 'GET', '/offline/qr/issuers', '') });

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('admin@qr.test', ['pay_admin'])).token;
  device = newDevice('QR');
  const registered = await s.call('POST', '/offline/devices', {
    token: admin,
    body: {
      device_id: device.id,
      tenant_type: 'merchant',
      tenant_id: 'shop-1',
      pubkey_pem: device.pem,
      x25519_pub: device.x25519,
      country: 'SN',
      currency_default: 'XOF',
      fingerprint: device.fingerprint,
    },
  });
  expect(registered.status).toBe(201);
});
afterAll(() => s.close());

describe('payment issuer keys', () => {
  it('are set by pay_admin only, listed to devices while active, and audited', async () => {
    const ops = (await s.user('ops@qr.test', ['ops'])).token;
    const body = { issuer_id: 'wave', key_id: 'k1', name: 'Wave', public_key: key() };
    expect((await s.call('POST', '/offline/qr/issuers', { token: ops, body })).status).toBe(403);
    expect((await s.call('POST', '/offline/qr/issuers', { body })).status).toBe(401);
    const set = await s.call('POST', '/offline/qr/issuers', { token: admin, body });
    expect(set).toMatchObject({ status: 200, body });
    const second = { issuer_id: 'orange', key_id: 'k1', name: 'Orange Money', public_key: key() };
    await s.call('POST', '/offline/qr/issuers', { token: admin, body: second });

    // Beside them the server's statement (what a till checks them by: test/integration/pos-qr-issuers.test.ts).
    expect((await list()).body).toEqual({ issuers: [second, body], statement: expect.any(Object) });
    // Withdrawn: no longer handed to terminals.
    await s.call('POST', '/offline/qr/issuers', { token: admin, body: { ...second, active: false } });
    expect((await list()).body).toEqual({ issuers: [body], statement: expect.any(Object) });

    const audit = await s.pool.query<{ action: string; target_id: string }>(
      "SELECT action, target_id FROM offline_audit_logs WHERE target_type = 'qr_issuer_key' ORDER BY id",
    );
    expect(audit.rows).toEqual([
      { action: 'qr.issuer_key.set', target_id: 'wave/k1' },
      { action: 'qr.issuer_key.set', target_id: 'orange/k1' },
      { action: 'qr.issuer_key.withdrawn', target_id: 'orange/k1' },
    ]);
  });

  it('refuses malformed keys and unsigned or unknown callers', async () => {
    const bad = await s.call('POST', '/offline/qr/issuers', {
      token: admin,
      body: { issuer_id: 'wave', key_id: 'k2', name: 'Wave', public_key: 'not-a-key' },
    });
    expect(bad).toMatchObject({ status: 400 });
    expect((await s.call('GET', '/offline/qr/issuers')).status).toBe(401);
    // An unknown device is answered as a bad signature (issue #16): no device-id oracle.
    expect((await list(newDevice('STRANGER'))).status).toBe(401);
  });
});
