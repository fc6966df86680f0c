import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateEd25519, publicKeyRaw } from '../../protocol/crypto/ed25519';
import { issuePaymentToken, QR_SCHEME, readPaymentRequest } from '../../protocol/qr';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { loadOrCreateIdentity } from '../../src-main/core/device/identity';
import { createCore, type Core } from '../../src-main/core';

/**
 * Payment QR codes through the real core (keychain, encrypted store), enrolled on the real server
 * on PostgreSQL, which publishes the issuer keys: a genuine customer QR passes once, and every
 * attack is refused with its own code, offline too and across a restart.
 */
let session: SecretServiceSession;
let server: TestServer;
let core: Core;
let dataDir: string;
const service = `outpost-test-${randomUUID()}`;
const wave = generateEd25519();

const open = async (serverUrl: string) =>
  createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: serverUrl,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 100,
  });
const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const pay = (amount: number, overrides: Partial<Parameters<typeof issuePaymentToken>[0]> = {}) =>
  issuePaymentToken(
    {
      issuer_id: 'wave',
      key_id: 'k1',
      payer_ref: `wave:${randomUUID()}`,
      amount_minor: amount,
      currency: 'XOF',
      now: Date.now(),
      ...overrides,
    },
    wave.privateKey,
  );

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-qr-'));
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-42', country: 'SN', currency_default: 'XOF' },
  });
  const key = await server.call('POST', '/offline/qr/issuers', {
    token: admin.token,
    body: {
      issuer_id: 'wave',
      key_id: 'k1',
      name: 'Wave',
      public_key: publicKeyRaw(wave.publicKey).toString('base64url'),
    },
  });
  expect(key.status).toBe(200);
  core = await open(server.url);
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
}, 60_000);
afterAll(async () => {
  await core?.close();
  await server?.close();
  await session?.stop();
});

describe('payment QR codes at the till', () => {
  it('shows a payment request signed with the device key', async () => {
    const answer = (await call('pos.qr.request', { amountMinor: 4880 })) as { text: string; ref: string };
    expect(answer.text.startsWith(QR_SCHEME)).toBe(true);
    const identity = await loadOrCreateIdentity(new KeytarKeyStore({ service }));
    const request = readPaymentRequest(answer.text, createPublicKey(identity.signingKey), Date.now());
    expect(request).toMatchObject({
      device_id: identity.deviceId,
      ref: answer.ref,
      amount_minor: 4880,
      currency: 'XOF',
      merchant: { type: 'merchant', id: 'shop-42' },
    });
  });

  it('accepts a genuine customer QR once, fetching the issuer key from the server', async () => {
    const text = pay(4880, { payer_ref: 'wave:tx-1' });
    await expect(call('pos.qr.verify', { text, dueMinor: 4880 })).resolves.toMatchObject({
      issuerId: 'wave',
      issuerName: 'Wave',
      payerRef: 'wave:tx-1',
      amountMinor: 4880,
      currency: 'XOF',
    });
    await expect(call('pos.qr.verify', { text, dueMinor: 4880 })).rejects.toMatchObject({
      code: 'QR_REPLAYED',
    });
  });

  it('refuses each attack with its own code', async () => {
    const text = pay(4880);
    const [payload, signature] = text.slice(QR_SCHEME.length).split('.') as [string, string];
    const raised = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('"amount_minor":4880', '"amount_minor":9880'),
    ).toString('base64url');
    await expect(
      call('pos.qr.verify', { text: `${QR_SCHEME}${raised}.${signature}`, dueMinor: 9880 }),
    ).rejects.toMatchObject({ code: 'QR_SIGNATURE' });
    await expect(call('pos.qr.verify', { text, dueMinor: 5000 })).rejects.toMatchObject({
      code: 'QR_AMOUNT_MISMATCH',
    });
    await expect(
      call('pos.qr.verify', { text: pay(4880, { now: Date.now() - 3_600_000 }), dueMinor: 4880 }),
    ).rejects.toMatchObject({ code: 'QR_EXPIRED' });
    const orange = issuePaymentToken(
      {
        issuer_id: 'orange',
        key_id: 'k1',
        payer_ref: 'om:1',
        amount_minor: 4880,
        currency: 'XOF',
        now: Date.now(),
      },
      generateEd25519().privateKey,
    );
    await expect(call('pos.qr.verify', { text: orange, dueMinor: 4880 })).rejects.toMatchObject({
      code: 'QR_ISSUER_UNKNOWN',
    });
    await expect(call('pos.qr.verify', { text: 'not a qr', dueMinor: 4880 })).rejects.toMatchObject({
      code: 'QR_INVALID',
    });
    // None of the refusals used the QR up: the genuine one still passes.
    await expect(call('pos.qr.verify', { text, dueMinor: 4880 })).resolves.toMatchObject({
      amountMinor: 4880,
    });
  });

  it('verifies offline with the kept issuer keys and remembers used QR codes across a restart', async () => {
    const text = pay(1500);
    await core.close();
    core = await open('http://127.0.0.1:9');
    await call('settings.update', { serverUrl: 'http://127.0.0.1:9' });
    await expect(call('pos.qr.verify', { text, dueMinor: null })).resolves.toMatchObject({
      amountMinor: 1500,
    });
    await core.close();
    core = await open('http://127.0.0.1:9');
    await expect(call('pos.qr.verify', { text, dueMinor: null })).rejects.toMatchObject({
      code: 'QR_REPLAYED',
    });
  });
});
