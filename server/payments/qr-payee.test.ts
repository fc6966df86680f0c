import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePaymentToken, newRequestRef } from '../../protocol/qr';
import { startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import {
  enrollTerminal,
  postedLegs,
  push,
  registerTestWallet,
  SN_POLICY,
  TEST_WALLET,
  walletQr,
} from './test-support';

// Ninth red-team pass, M-2: a genuine wallet token paying shop A's request was pushed first by an
// enrolled till of another tenant: accepted, score 0, the rogue tenant credited; A's honest sale was
// then quarantined DUPLICATE_QR. A request's ref now names the terminal that made it
// (protocol/qr/request-ref.ts) and the server checks it against the pushing device.

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('qr-payee-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

/** What the customer's wallet signs after scanning a till's request QR: the request's ref quoted. */
const tokenFor = (requestRef: string) =>
  issuePaymentToken(
    {
      issuer_id: TEST_WALLET.issuer_id,
      key_id: TEST_WALLET.key_id,
      payer_ref: `w:${randomUUID()}`,
      amount_minor: 1180,
      currency: 'XOF',
      request_ref: requestRef,
      now: Date.now() - 60_000,
    },
    TEST_WALLET.privateKey,
  );

describe('a wallet token is bound to the till whose request it pays (ninth pass M-2)', () => {
  it("another tenant's till pushing A's token first is quarantined, never posted; A's honest sale is accepted", async () => {
    const shopA = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
    const token = tokenFor(newRequestRef(shopA.id));

    const stolen = rogue.sale({ tender: 'qr', qrText: token });
    const first = await push(s, await rogue.bundle([stolen]));
    expect(first.status).toBe(200);
    expect(codes(first.body)).toContain('QR_PAYEE_MISMATCH');
    expect(first.body.status).toBe('quarantined');

    const honest = shopA.sale({ tender: 'qr', qrText: token });
    const second = await push(s, await shopA.bundle([honest]));
    expect(second.status).toBe(200);
    expect(codes(second.body)).toEqual([]);
    expect(second.body.status).toBe('accepted');

    expect(await postedLegs(s, stolen.sale_id)).toBe(0);
    expect(await postedLegs(s, honest.sale_id)).toBeGreaterThan(0);

    // The other order: A first, then the rogue's copy is quarantined twice over.
    const token2 = tokenFor(newRequestRef(shopA.id));
    expect(
      (await push(s, await shopA.bundle([shopA.sale({ tender: 'qr', qrText: token2 })]))).body.status,
    ).toBe('accepted');
    const late = await push(s, await rogue.bundle([rogue.sale({ tender: 'qr', qrText: token2 })]));
    expect(codes(late.body)).toEqual(expect.arrayContaining(['QR_PAYEE_MISMATCH', 'DUPLICATE_QR']));
    expect(late.body.status).toBe('quarantined');
  });

  it('a ref that names no terminal (a till from before the binding) is held for review', async () => {
    const till = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const res = await push(
      s,
      await till.bundle([till.sale({ tender: 'qr', qrText: tokenFor('shopA-cart-000042') })]),
    );
    expect(codes(res.body)).toEqual(['QR_UNVERIFIED']);
    expect(res.body.status).toBe('review');
  });
  it('a token quoting no request is credited to nobody on a push: the first pusher of another tenant and the shop both wait (tenth pass M-2)', async () => {
    // The QR the customer shows without scanning the till's: whoever has its text (a photo, a
    // shared screenshot) pushed it first from another tenant's till and was credited, score 0;
    // the shop's honest sale was then the duplicate.
    const shopA = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
    const shown = walletQr(1180, Date.now() - 60_000);

    const stolen = rogue.sale({ tender: 'qr', qrText: shown });
    const first = await push(s, await rogue.bundle([stolen]));
    expect(first.status).toBe(200);
    expect(codes(first.body)).toEqual(['QR_UNVERIFIED']);
    expect(first.body.reasons[0]!.detail).toContain('quotes no payment request');
    expect(first.body.status).toBe('review');

    const honest = shopA.sale({ tender: 'qr', qrText: shown });
    const second = await push(s, await shopA.bundle([honest]));
    expect(second.status).toBe(200);
    expect(codes(second.body)).toEqual(expect.arrayContaining(['DUPLICATE_QR', 'QR_UNVERIFIED']));
    // The reviewer sees the other sale named, and decides which shop was paid.
    expect(second.body.reasons.find((r) => r.code === 'DUPLICATE_QR')!.detail).toContain(
      `already used by sale ${stolen.sale_id} of ${rogue.id}`,
    );
    expect(second.body.status).not.toBe('accepted');

    await runOnce({ pool: s.pool, workerId: 'qr-payee-test' });
    expect(await postedLegs(s, stolen.sale_id)).toBe(0);
    expect(await postedLegs(s, honest.sale_id)).toBe(0);
  });
});
