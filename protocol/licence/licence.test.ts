import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEd25519, signCanonical } from '../crypto/ed25519';
import { generateHpkeKeyPair } from '../hpke/keys';
import { sealTo } from '../hpke/seal';
import {
  issueLicence,
  licenceTimeState,
  unwrapCek,
  verifyLicence,
  type Licence,
  type LicenceErrorCode,
} from './index';

const server = generateEd25519();
const device = generateHpkeKeyPair();
const now = new Date('2025-03-01T08:00:00.000Z');
const H = 3_600_000;

async function issue(overrides: Partial<Parameters<typeof issueLicence>[0]> = {}) {
  const cek = randomBytes(32);
  const licence = await issueLicence({
    materialId: 'mat-42',
    deviceId: 'laptop-7',
    devicePublicKey: device.publicKey,
    userId: 'student-1',
    cek,
    manifestSha256: 'A'.repeat(43),
    serverKey: server.privateKey,
    serverKeyId: 'lic-2025',
    now,
    ...overrides,
  });
  return { cek, licence };
}

function resign(licence: Licence): Licence {
  const { signature: _s, ...unsigned } = licence;
  return { ...unsigned, signature: signCanonical(server.privateKey, unsigned) };
}

function failsWith(fn: () => unknown, code: LicenceErrorCode, label?: string) {
  expect(fn, label).toThrow(expect.objectContaining({ name: 'LicenceError', code }));
}

describe('licences', () => {
  it('issues with the defaults, verifies and unwraps the CEK on the right device', async () => {
    const { cek, licence } = await issue();
    expect(licence).toMatchObject({
      v: 1,
      rights: { print: false, copy: false },
      issued_at: '2025-03-01T08:00:00.000Z',
      expires_at: '2025-03-31T08:00:00.000Z',
      offline_grace_hours: 72,
      server_key_id: 'lic-2025',
    });
    const verified = verifyLicence(JSON.parse(JSON.stringify(licence)), {
      serverPublicKey: server.publicKey,
      deviceId: 'laptop-7',
    });
    expect(Buffer.from(await unwrapCek(verified, device.privateKey)).equals(cek)).toBe(true);
  });

  it('LICENCE_SIGNATURE_INVALID when any field changes or the key is not the server', async () => {
    const { licence } = await issue();
    const other = (await issue()).licence;
    const changed: Array<[string, Licence]> = [
      ['licence_id', { ...licence, licence_id: randomUUID() }],
      ['material_id', { ...licence, material_id: 'mat-43' }],
      ['user_id', { ...licence, user_id: 'student-2' }],
      ['rights', { ...licence, rights: { print: true, copy: false } }],
      ['issued_at', { ...licence, issued_at: '2025-03-02T08:00:00.000Z' }],
      ['expires_at', { ...licence, expires_at: '2026-03-31T08:00:00.000Z' }],
      ['grace', { ...licence, offline_grace_hours: 720 }],
      ['nonce', { ...licence, nonce: other.nonce }],
      ['manifest', { ...licence, content: { manifest_sha256: 'B'.repeat(42) + 'A' } }],
      ['cek', { ...licence, cek: other.cek }],
      ['server_key_id', { ...licence, server_key_id: 'lic-old' }],
      ['signature', { ...licence, signature: other.signature }],
    ];
    for (const [label, body] of changed)
      failsWith(
        () => verifyLicence(body, { serverPublicKey: server.publicKey, deviceId: 'laptop-7' }),
        'LICENCE_SIGNATURE_INVALID',
        label,
      );
    failsWith(
      () => verifyLicence(licence, { serverPublicKey: generateEd25519().publicKey, deviceId: 'laptop-7' }),
      'LICENCE_SIGNATURE_INVALID',
    );
  });

  it('LICENCE_WRONG_DEVICE for a valid licence of another device; LICENCE_INVALID for a malformed one', async () => {
    const { licence } = await issue();
    failsWith(
      () => verifyLicence(licence, { serverPublicKey: server.publicKey, deviceId: 'laptop-8' }),
      'LICENCE_WRONG_DEVICE',
    );
    // The device check comes after the signature: a device_id edit is a signature failure.
    failsWith(
      () =>
        verifyLicence(
          { ...licence, device_id: 'laptop-8' },
          { serverPublicKey: server.publicKey, deviceId: 'laptop-8' },
        ),
      'LICENCE_SIGNATURE_INVALID',
    );
    for (const bad of [
      null,
      {},
      { ...licence, v: 2 },
      { ...licence, extra: 1 },
      { ...licence, expires_at: 'tomorrow' },
      { ...licence, cek: { ...licence.cek, wrapped: 'AAAA' } },
    ])
      failsWith(
        () => verifyLicence(bad, { serverPublicKey: server.publicKey, deviceId: 'laptop-7' }),
        'LICENCE_INVALID',
      );
  });

  it('CEK_UNWRAP_FAILED for the wrong device key or a CEK moved from another licence', async () => {
    const { licence } = await issue();
    await expect(unwrapCek(licence, generateHpkeKeyPair().privateKey)).rejects.toMatchObject({
      code: 'CEK_UNWRAP_FAILED',
    });
    // Same device, same server: the CEK of material 43 re-signed into a licence for material 42 still fails (aad).
    const other = (await issue({ materialId: 'mat-43' })).licence;
    await expect(unwrapCek(resign({ ...licence, cek: other.cek }), device.privateKey)).rejects.toMatchObject({
      code: 'CEK_UNWRAP_FAILED',
    });
    // A wrapped key of the wrong length is refused too.
    const short = await sealTo(device.publicKey, randomBytes(16), { info: 'outpost/cek/v1', aad: '' });
    const forged = {
      ...licence,
      cek: {
        enc: short.enc,
        wrapped: Buffer.concat([Buffer.from(short.ciphertext), randomBytes(16)]).toString('base64url'),
      },
    };
    await expect(unwrapCek(forged, device.privateKey)).rejects.toMatchObject({ code: 'CEK_UNWRAP_FAILED' });
  });
});

describe('licenceTimeState', () => {
  const licence = { expires_at: '2025-03-31T08:00:00.000Z', offline_grace_hours: 72 };
  const expiry = Date.parse(licence.expires_at);

  it('is valid until the earlier of expiry and check-in + grace', () => {
    expect(licenceTimeState(licence, { trustedNow: now, lastCheckIn: now })).toEqual({
      state: 'valid',
      msLeft: 72 * H,
      until: 'check_in',
    });
    expect(licenceTimeState(licence, { trustedNow: expiry - H, lastCheckIn: expiry - 2 * H })).toEqual({
      state: 'valid',
      msLeft: H,
      until: 'expiry',
    });
  });

  it('reports offline_expired at check-in + grace, exactly', () => {
    const at = +now + 72 * H;
    expect(licenceTimeState(licence, { trustedNow: at - 1, lastCheckIn: now })).toMatchObject({
      state: 'valid',
      msLeft: 1,
    });
    expect(licenceTimeState(licence, { trustedNow: at, lastCheckIn: now })).toEqual({
      state: 'offline_expired',
      code: 'LICENSE_OFFLINE_EXPIRED',
    });
  });

  it('reports expired at expires_at, before offline expiry', () => {
    expect(licenceTimeState(licence, { trustedNow: expiry - 1, lastCheckIn: expiry - H })).toMatchObject({
      state: 'valid',
      msLeft: 1,
    });
    expect(licenceTimeState(licence, { trustedNow: expiry, lastCheckIn: expiry })).toEqual({
      state: 'expired',
      code: 'LICENSE_EXPIRED',
    });
    expect(licenceTimeState(licence, { trustedNow: expiry + 100 * H, lastCheckIn: now })).toMatchObject({
      state: 'expired',
    });
  });

  it('gives no extra grace for a check-in later than the trusted clock', () => {
    expect(licenceTimeState(licence, { trustedNow: now, lastCheckIn: +now + 10 * H })).toMatchObject({
      msLeft: 72 * H,
    });
  });
});
