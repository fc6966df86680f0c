import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../protocol/bundle';
import { issuePaymentToken } from '../../protocol/qr';
import { startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import {
  enrollTerminal,
  ledgerEntriesOf,
  push,
  qrTenderOf,
  registerTestWallet,
  SN_POLICY,
  TEST_WALLET,
  walletQr,
  type Terminal,
} from './test-support';

/**
 * Issue #16, M1 of the sixth review, on the server: a sale's QR tender is verified by the server
 * against its registered issuer keys, not taken on the terminal's word. A compromised terminal (or a
 * till fooled by a proxy, as the review's was) pushes sales "paid" by QR codes the cashier signed:
 * each is held with its reason and never posted. Real server and PostgreSQL, real reconciliation.
 */
let s: TestServer;
let admin: string;
const cashier = generateKeyPairSync('ed25519'); // the cashier's own "wallet" key

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('qr-tokens-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

/** 1 180 XOF, the test sales' total, as `key` signs it under TEST_WALLET's issuer and this key id. */
const signedBy = (key: { privateKey: Parameters<typeof issuePaymentToken>[1] }, keyId: string) =>
  issuePaymentToken(
    {
      issuer_id: TEST_WALLET.issuer_id,
      key_id: keyId,
      payer_ref: 'wave:never-paid',
      amount_minor: 1180,
      currency: 'XOF',
      now: Date.now() - 60_000,
    },
    key.privateKey,
  );
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
const posted = (saleId: string) => ledgerEntriesOf(s, saleId);

/** Pushes one QR sale whose tender `edit` rewrote; answers the push and whether the sale was posted. */
async function pushQrSale(t: Terminal, edit: (qr: NonNullable<Sale['tenders'][0]['qr']>) => object) {
  const sale = t.sale({ tender: 'qr' });
  const tender = sale.tenders[0]!;
  const changed: Sale = { ...sale, tenders: [{ ...tender, qr: edit(tender.qr!) as typeof tender.qr }] };
  const res = await push(s, await t.bundle([changed]));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await runOnce({ pool: s.pool, workerId: 'qr-tokens-test' });
  return { body: res.body, posted: await posted(sale.sale_id) };
}

describe('a QR tender the server verifies itself', () => {
  it('a genuine wallet QR: accepted and posted, no QR reason', async () => {
    const t = await enrollTerminal(s, admin);
    const { body, posted } = await pushQrSale(t, (qr) => qr);
    expect(body.status).toBe('accepted');
    expect(codes(body)).toEqual([]);
    expect(posted).toBeGreaterThan(0);
  });

  it.each([
    ['signed by the cashier under a key id the server never registered', () => signedBy(cashier, 'k9')],
    [
      'signed by the cashier under the wallet’s registered key id',
      () => signedBy(cashier, TEST_WALLET.key_id),
    ],
  ])('a QR %s: quarantined QR_TOKEN_INVALID, never posted', async (_what, forge) => {
    const t = await enrollTerminal(s, admin);
    const { body, posted } = await pushQrSale(t, () => qrTenderOf(forge()));
    expect(codes(body)).toContain('QR_TOKEN_INVALID');
    expect(body.status).toBe('quarantined');
    expect(posted).toBe(0);
  });

  it('a genuine QR for less than the tender says: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { body, posted } = await pushQrSale(t, () => qrTenderOf(walletQr(100)));
    expect(codes(body)).toContain('QR_TOKEN_INVALID');
    expect(body.reasons.find((r) => r.code === 'QR_TOKEN_INVALID')!.detail).toMatch(/amount/);
    expect([body.status, posted]).toEqual(['quarantined', 0]);
  });

  it('a genuine QR named by another signature (to dodge the reuse check): quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const other = qrTenderOf(walletQr(1180)).signature;
    const { body, posted } = await pushQrSale(t, (qr) => ({ ...qr, signature: other }));
    expect(codes(body)).toContain('QR_TOKEN_INVALID');
    expect([body.status, posted]).toEqual(['quarantined', 0]);
  });

  it.each([
    ['issued 30 days ago (long expired at the sale)', { now: Date.now() - 30 * 86_400_000 }, /expired/],
    [
      'claiming a 30-day lifetime (beyond QR_MAX_LIFETIME_MS)',
      { now: Date.now() - 60_000, lifetimeMs: 30 * 86_400_000 },
      /lifetime/,
    ],
  ])('a genuine wallet QR %s: quarantined QR_TOKEN_INVALID, never posted', async (_what, when, detail) => {
    // Red-team pass 7, M-a: the till refuses both (verifyPaymentToken); the server did not.
    const t = await enrollTerminal(s, admin);
    const qr = issuePaymentToken(
      {
        issuer_id: TEST_WALLET.issuer_id,
        key_id: TEST_WALLET.key_id,
        payer_ref: 'wave:old',
        amount_minor: 1180,
        currency: 'XOF',
        ...when,
      },
      TEST_WALLET.privateKey,
    );
    const { body, posted } = await pushQrSale(t, () => qrTenderOf(qr));
    expect(codes(body)).toContain('QR_TOKEN_INVALID');
    expect(body.reasons.find((r) => r.code === 'QR_TOKEN_INVALID')!.detail).toMatch(detail);
    expect([body.status, posted]).toEqual(['quarantined', 0]);
  });

  it('a tender without the QR proves nothing: the push is refused QR_TEXT_REQUIRED, nothing stored (eleventh pass M-1)', async () => {
    // It used to be stored and held for review, and it claimed the QR it named: a rogue till that
    // saw a token made the payee shop's genuine sale a DUPLICATE_QR (qr-reuse.test.ts).
    const t = await enrollTerminal(s, admin);
    const sale = t.sale({ tender: 'qr' });
    const tender = sale.tenders[0]!;
    const { payer_ref, signature } = tender.qr!;
    const textless: Sale = { ...sale, tenders: [{ ...tender, qr: { payer_ref, signature } }] };
    const res = await push(s, await t.bundle([textless]));
    expect(res.status).toBe(422);
    expect((res.body as unknown as { error: { code: string } }).error.code).toBe('QR_TEXT_REQUIRED');
    const stored = await s.pool.query('SELECT 1 FROM offline_transactions WHERE sale_id = $1', [
      sale.sale_id,
    ]);
    expect(stored.rowCount).toBe(0);
  });
});
