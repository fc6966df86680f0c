import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateEd25519, publicKeyRaw } from '../../protocol/crypto/ed25519';
import {
  decodeSigned,
  issuePaymentToken,
  newRequestRef,
  QR_SCHEME,
  readPaymentRequest,
  requestRefPayee,
} from '../../protocol/qr';
import type { Sale } from '../../protocol/bundle/sale';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { loadOrCreateIdentity } from '@outpost/terminal-sdk';
import { readMachineId } from '../../native/device';
import { createCore, type Core } from '../../src-main/core';
import { openAppDatabase } from '../../src-main/core/store/database';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { signedIn, TILL_MANAGER } from '../support/till';

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
  // Capture needs the country's policy; the QR checks themselves do not.
  const policy = await server.call('POST', '/offline/policies', {
    token: admin.token,
    body: SN_POLICY_INPUT,
  });
  expect(policy.status).toBe(200);
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
    const identity = await loadOrCreateIdentity(new KeytarKeyStore({ service }), {
      machineId: readMachineId,
    });
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

  // Ninth red-team pass, M-2: a token paying another shop's request was claimed by a rogue till. The
  // request's ref now names this till and is kept while open; a token quoting any other is refused.
  it("takes a token quoting this till's own request; refuses one quoting another till's (QR_WRONG_PAYEE)", async () => {
    const identity = await loadOrCreateIdentity(new KeytarKeyStore({ service }), {
      machineId: readMachineId,
    });
    const mine = (await call('pos.qr.request', { amountMinor: 2500 })) as { ref: string };
    expect(requestRefPayee(mine.ref, identity.deviceId)).toBe('device');
    const refused = [
      newRequestRef('POS-shop-a-till-1'),
      'shopA-cart-000042',
      newRequestRef(identity.deviceId),
    ];
    for (const ref of refused)
      await expect(
        call('pos.qr.verify', { text: pay(2500, { request_ref: ref }), dueMinor: 2500 }),
      ).rejects.toMatchObject({
        code: 'QR_WRONG_PAYEE',
      });
    await expect(
      call('pos.qr.verify', { text: pay(2500, { request_ref: mine.ref }), dueMinor: 2500 }),
    ).resolves.toMatchObject({ amountMinor: 2500, payeeBound: true });
    // Tenth pass M-2: a QR the customer shows without scanning the till's names no payee. The till
    // takes it but says so; the server holds its sale for review (server/payments/qr-payee.test.ts).
    await expect(call('pos.qr.verify', { text: pay(2500), dueMinor: 2500 })).resolves.toMatchObject({
      amountMinor: 2500,
      payeeBound: false,
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

/** 1 180 XOF: one line of 1 000 with 18 % tax. */
const RICE = [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }];
const nonceOf = (text: string) => (decodeSigned(text).json as { nonce: string }).nonce;
const signatureOf = (text: string) => decodeSigned(text).signature.toString('base64url');
type Summary = { saleId: string; tenders: { type: string; amountMinor: number; payerRef: string | null }[] };

/** The till's own database, opened while the core is closed: what is stored, and a crash's leftovers. */
async function withDatabase<T>(
  work: (db: Awaited<ReturnType<typeof openAppDatabase>>) => Promise<T>,
): Promise<T> {
  await core.close();
  const db = await openAppDatabase({ dataDir, keyStore: new KeytarKeyStore({ service }) });
  try {
    return await work(db);
  } finally {
    await db.close();
    core = await open('http://127.0.0.1:9');
    await signedIn(core);
  }
}

/**
 * Issue 4 item 6: a QR tender is accepted only for a customer QR this till verified, once, for its
 * amount. Runs offline (the previous block left the till without a server), as a till often does.
 */
describe('the QR tender of a sale', () => {
  it('is refused unless it names a QR the till verified', async () => {
    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 0 });
    // A free-form QR tender, as the API took it before: refused at the boundary.
    await expect(
      call('pos.sale.capture', {
        lines: RICE,
        tenders: [{ type: 'qr', amountMinor: 1180, payerRef: 'wave:tx-free' }],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // A well-formed id of a QR never shown to this till.
    await expect(
      call('pos.sale.capture', {
        lines: RICE,
        tenders: [{ type: 'qr', amountMinor: 1180, verificationId: `wave:${'A'.repeat(22)}` }],
      }),
    ).rejects.toMatchObject({ code: 'QR_NOT_VERIFIED' });
    // A genuine QR that verification refused is not verified either.
    const text = pay(1180);
    await expect(call('pos.qr.verify', { text, dueMinor: 1000 })).rejects.toMatchObject({
      code: 'QR_AMOUNT_MISMATCH',
    });
    await expect(
      call('pos.sale.capture', {
        lines: RICE,
        tenders: [{ type: 'qr', amountMinor: 1180, verificationId: `wave:${nonceOf(text)}` }],
      }),
    ).rejects.toMatchObject({ code: 'QR_NOT_VERIFIED' });
  });

  it('pays one sale, for the QR’s amount; a refused sale leaves it usable', async () => {
    const text = pay(1180, { payer_ref: 'wave:tx-77' });
    const verified = (await call('pos.qr.verify', { text, dueMinor: null })) as { verificationId: string };
    expect(verified.verificationId).toBe(`wave:${nonceOf(text)}`);
    const qr = (amountMinor: number) => ({
      type: 'qr',
      amountMinor,
      verificationId: verified.verificationId,
    });

    await expect(
      call('pos.sale.capture', { lines: RICE, tenders: [qr(1000), { type: 'cash', amountMinor: 180 }] }),
    ).rejects.toMatchObject({
      code: 'QR_AMOUNT_MISMATCH',
      details: expect.objectContaining({ qrAmountMinor: 1180, tenderMinor: 1000 }),
    });
    // Refused for another reason (the QR pays more than this cart): still not spent.
    await expect(
      call('pos.sale.capture', { lines: [{ ...RICE[0]!, unitPriceMinor: 500 }], tenders: [qr(1180)] }),
    ).rejects.toMatchObject({ code: 'TENDER_OVERPAID' });

    const sale = (await call('pos.sale.capture', { lines: RICE, tenders: [qr(1180)] })) as Summary;
    expect(sale.tenders).toEqual([
      expect.objectContaining({ type: 'qr', amountMinor: 1180, payerRef: 'wave:tx-77' }),
    ]);
    await expect(call('pos.sale.capture', { lines: RICE, tenders: [qr(1180)] })).rejects.toMatchObject({
      code: 'QR_ALREADY_USED',
      details: expect.objectContaining({ saleId: sale.saleId }),
    });
    // Voiding the sale gives the money back; it does not make the QR payable again.
    await call('pos.sale.void', { originalSaleId: sale.saleId, reason: 'wrong item' });
    await expect(call('pos.sale.capture', { lines: RICE, tenders: [qr(1180)] })).rejects.toMatchObject({
      code: 'QR_ALREADY_USED',
    });

    // One QR named twice on a sale pays it once: refused, and still usable alone.
    const half = pay(590);
    const id = ((await call('pos.qr.verify', { text: half, dueMinor: null })) as { verificationId: string })
      .verificationId;
    await expect(
      call('pos.sale.capture', {
        lines: RICE,
        tenders: [
          { type: 'qr', amountMinor: 590, verificationId: id },
          { type: 'qr', amountMinor: 590, verificationId: id },
        ],
      }),
    ).rejects.toMatchObject({ code: 'QR_ALREADY_USED' });
    await expect(
      call('pos.sale.capture', {
        lines: RICE,
        tenders: [
          { type: 'qr', amountMinor: 590, verificationId: id },
          { type: 'cash', amountMinor: 590 },
        ],
      }),
    ).resolves.toMatchObject({ totalMinor: 1180 });

    // The signed sale carries the issuer's signature of the token, which names that exact QR, and
    // the QR itself, for the server to verify again.
    const stored = await withDatabase(async (db) => {
      const doc = await db.rx.collections.sales.findOne(sale.saleId).exec();
      return JSON.parse(doc!.record!) as Sale;
    });
    expect(stored.tenders).toEqual([
      {
        type: 'qr',
        amount_minor: 1180,
        qr: { payer_ref: 'wave:tx-77', signature: signatureOf(text), text },
      },
    ]);
  });

  it('survives a crash between marking the QR and writing the sale', async () => {
    const text = pay(1180);
    const { verificationId } = (await call('pos.qr.verify', { text, dueMinor: 1180 })) as {
      verificationId: string;
    };
    // What a crash after the mark and before the sale write leaves: a mark naming a sale that
    // was never written.
    await withDatabase(async (db) => {
      const key = `qr.nonce:${verificationId}`;
      const doc = await db.rx.collections.settings.findOne(key).exec();
      const value = { ...(JSON.parse(doc!.value) as object), saleId: randomUUID() };
      await db.rx.collections.settings.upsert({ key, value: JSON.stringify(value), updatedAt: Date.now() });
    });
    const tender = { type: 'qr', amountMinor: 1180, verificationId };
    const sale = (await call('pos.sale.capture', { lines: RICE, tenders: [tender] })) as Summary;
    await expect(call('pos.sale.capture', { lines: RICE, tenders: [tender] })).rejects.toMatchObject({
      code: 'QR_ALREADY_USED',
      details: expect.objectContaining({ saleId: sale.saleId }),
    });
    // A restart changes nothing: the mark and the sale are both on disk.
    await core.close();
    core = await open('http://127.0.0.1:9');
    await signedIn(core);
    await expect(call('pos.sale.capture', { lines: RICE, tenders: [tender] })).rejects.toMatchObject({
      code: 'QR_ALREADY_USED',
    });
  });

  it('a QR sale is not refunded in cash without a manager (M1, sixth review)', async () => {
    const text = pay(1180);
    const { verificationId } = (await call('pos.qr.verify', { text, dueMinor: 1180 })) as {
      verificationId: string;
    };
    const tenders = [{ type: 'qr', amountMinor: 1180, verificationId }];
    const sale = (await call('pos.sale.capture', { lines: RICE, tenders })) as Summary;
    // Cash by default: money would leave the drawer that the QR never put in it.
    await expect(
      call('pos.sale.refund', { originalSaleId: sale.saleId, reason: 'changed mind' }),
    ).rejects.toMatchObject({ code: 'REFUND_NEEDS_MANAGER', details: { overridable: true } });
    await call('pos.managerPin.set', {
      managerId: 'awa',
      pin: '2468',
      authorizedBy: { managerId: TILL_MANAGER.cashierId, pin: TILL_MANAGER.pin },
    });
    // The manager who approves signs in (#18).
    await call('pos.cashier.signIn', { cashierId: 'awa', pin: '2468' });
    const override = { managerId: 'awa', pin: '1111', reason: 'customer has no wallet' };
    await expect(
      call('pos.sale.refund', { originalSaleId: sale.saleId, reason: 'changed mind', override }),
    ).rejects.toMatchObject({ code: 'MANAGER_PIN_INVALID' });
    await expect(
      call('pos.sale.refund', {
        originalSaleId: sale.saleId,
        reason: 'changed mind',
        override: { ...override, pin: '2468' },
      }),
    ).resolves.toMatchObject({
      kind: 'refund',
      totalMinor: 1180,
      tenders: [{ type: 'cash', amountMinor: 1180 }],
    });
  });
});
