import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrollSigned,
  newDevice,
  startTestServer,
  type TestDevice,
  type TestServer,
} from '../testing/harness';

/**
 * Attack of the second review of #16 (low): a user registered another device's public key under a
 * device id of their own choosing, so whoever holds that key acted as two devices (another user's
 * laptop, another tenant's till). One Ed25519 key and one X25519 key belong to one device id, on
 * every registration route; each attempt runs against the real server and PostgreSQL.
 */

let s: TestServer;
let admin: string;
let alice: string;
let mallory: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('admin@keys.test', ['pay_admin'])).token;
  alice = (await s.user('alice@keys.test', ['student'])).token;
  mallory = (await s.user('mallory@keys.test', ['student'])).token;
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const devicesWithId = async (id: string) =>
  Number(
    (
      await s.pool.query<{ n: string }>('SELECT count(*) AS n FROM offline_devices WHERE device_id = $1', [
        id,
      ])
    ).rows[0]!.n,
  );

const registerLaptop = (token: string, d: Pick<TestDevice, 'id' | 'pem' | 'x25519' | 'fingerprint'>) =>
  s.call('POST', '/api/v1/offline/devices', {
    token,
    body: {
      device_id: d.id,
      fingerprint: d.fingerprint,
      name: 'Laptop',
      platform: 'linux',
      pubkey_pem: d.pem,
      x25519_pub: d.x25519,
    },
  });
const registerTill = (d: Pick<TestDevice, 'id' | 'pem' | 'x25519' | 'fingerprint'>) =>
  s.call('POST', '/offline/devices', {
    token: admin,
    body: {
      device_id: d.id,
      tenant_type: 'merchant',
      tenant_id: 'm-keys',
      pubkey_pem: d.pem,
      x25519_pub: d.x25519,
      country: 'SN',
      currency_default: 'XOF',
      fingerprint: d.fingerprint,
    },
  });
const enroll = async (d: TestDevice) => {
  const issued = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: { tenant_type: 'merchant', tenant_id: 'm-keys', country: 'SN', currency_default: 'XOF' },
  });
  const enrollmentCode = (issued.body as { code: string }).code;
  const res = await enrollSigned(s, d, enrollmentCode);
  return { res, enrollmentCode };
};

/** Another device id, with one or both of `victim`'s public keys. */
const copyOf = (victim: TestDevice, keys: 'both' | 'ed25519' | 'x25519'): TestDevice => {
  const own = newDevice('COPY');
  return {
    ...own,
    ...(keys !== 'x25519' ? { pem: victim.pem, privateKey: victim.privateKey } : {}),
    ...(keys !== 'ed25519' ? { x25519: victim.x25519 } : {}),
  };
};

describe('one public key, one device id', () => {
  it("refuses a laptop registered with another user's laptop key under a new id", async () => {
    const victim = newDevice('LAPTOP');
    expect((await registerLaptop(alice, victim)).status).toBe(201);
    for (const keys of ['both', 'ed25519', 'x25519'] as const) {
      const copy = copyOf(victim, keys);
      const res = await registerLaptop(mallory, copy);
      expect([res.status, code(res)], keys).toEqual([409, 'DEVICE_KEY_IN_USE']);
      expect(await devicesWithId(copy.id)).toBe(0);
    }
  });

  // Third review of #16 (L1): X25519 ignores bit 255 (RFC 7748 §5), so the victim's key with that
  // bit set is the same key, and it was registered under a new id (201) past the byte comparison.
  it('refuses the other spellings of an X25519 key (bit 255 set, u + p) on every registration route', async () => {
    const victim = newDevice('LAPTOP');
    expect((await registerLaptop(alice, victim)).status).toBe(201);
    const flipped = Buffer.from(victim.x25519, 'base64url');
    flipped[31]! ^= 0x80;
    // u = 1 spelt as 1 + p: 0xee, thirty 0xff, 0x7f.
    const uPlusP = Buffer.concat([Buffer.from([0xee]), Buffer.alloc(30, 0xff), Buffer.from([0x7f])]);
    for (const x25519 of [flipped, uPlusP].map((b) => b.toString('base64url'))) {
      const copy = { ...newDevice('COPY'), x25519 };
      for (const res of [
        await registerLaptop(mallory, copy),
        await registerTill(copy),
        (await enroll(copy)).res,
      ]) {
        expect([res.status, code(res)]).toEqual([400, 'VALIDATION_FAILED']);
        expect(JSON.stringify(res.body)).toContain('x25519_pub');
      }
      expect(await devicesWithId(copy.id)).toBe(0);
    }
  });

  // Fourth review of #16: small-order keys (0, 1, order 8, p − 1) were registered (201), then a
  // licence for that laptop was a 500 (HPKE refuses an all-zero shared secret); all are one "key".
  it('refuses X25519 keys of small order on every registration route', async () => {
    const smallOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const hex of smallOrder) {
      const copy = { ...newDevice('LOW'), x25519: Buffer.from(hex, 'hex').toString('base64url') };
      for (const res of [
        await registerLaptop(mallory, copy),
        await registerTill(copy),
        (await enroll(copy)).res,
      ]) {
        expect([res.status, code(res)], hex).toEqual([400, 'VALIDATION_FAILED']);
        expect(JSON.stringify(res.body)).toContain('x25519_pub');
      }
      expect(await devicesWithId(copy.id)).toBe(0);
    }
  });

  it('sees through another spelling of the same Ed25519 key (CRLF, other line breaks)', async () => {
    const victim = newDevice('LAPTOP');
    expect((await registerLaptop(alice, victim)).status).toBe(201);
    const body = victim.pem.split('\n')[1]!;
    const spellings = [
      victim.pem.replace(/\n/g, '\r\n'),
      `-----BEGIN PUBLIC KEY-----\n${body.slice(0, 20)}\n${body.slice(20)}\n-----END PUBLIC KEY-----`,
    ];
    for (const pem of spellings) {
      const res = await registerLaptop(mallory, { ...newDevice('COPY'), pem });
      expect([res.status, code(res)]).toEqual([409, 'DEVICE_KEY_IN_USE']);
    }
  });

  it("refuses a till registered or enrolled with another till's keys under a new id", async () => {
    const till = newDevice('POS');
    expect((await registerTill(till)).status).toBe(201);
    const twin = await registerTill(copyOf(till, 'both'));
    expect([twin.status, code(twin)]).toEqual([409, 'DEVICE_KEY_IN_USE']);

    // Enrollment is signed with the key in the body: the holder of a till's private key (a
    // compromised till) tries to take a second identity with a fresh code.
    const second = copyOf(till, 'both');
    const { res, enrollmentCode } = await enroll(second);
    expect([res.status, code(res)]).toEqual([409, 'DEVICE_KEY_IN_USE']);
    expect(await devicesWithId(second.id)).toBe(0);
    // Refused whole: the code was not spent on it.
    const redeemed = await s.pool.query(
      'SELECT 1 FROM enrollment_codes WHERE redeemed_at IS NOT NULL AND redeemed_device_id = $1',
      [second.id],
    );
    expect(redeemed.rowCount).toBe(0);
    expect(enrollmentCode).toBeTruthy();
  });

  it("lets a laptop's own id come back, and a till with its own keys enrol", async () => {
    const laptop = newDevice('LAPTOP');
    expect((await registerLaptop(alice, laptop)).status).toBe(201);
    expect((await registerLaptop(alice, laptop)).status).toBe(200);
    expect((await enroll(newDevice('POS'))).res.status).toBe(201);
  });
});
