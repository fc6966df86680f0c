import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../protocol/bundle';
import { saleHash } from '../../protocol/bundle/chain';
import { startTestServer, type TestServer } from '../testing/harness';
import {
  enrollTerminal,
  postedLegs,
  push,
  qrTenderOf,
  registerTestWallet,
  SN_POLICY,
  type Terminal,
  walletQr,
} from './test-support';

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('qr-reuse-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

/**
 * A genuine customer QR for the test sales' total (1 180) paying a request of `t`: the server
 * verifies it, then claims it. Without a terminal, the QR the customer shows at several tills
 * (it quotes no request, so it names no payee).
 */
const signature = (t?: Terminal) => (t ? t.qr(1180) : walletQr(1180));
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

describe('a customer payment QR pays one sale, across terminals', () => {
  it('the second till to push the same QR is quarantined; the first is held, unrelated QRs are not', async () => {
    // The QR a customer shows at two tills quotes no request: nothing names its payee, so the
    // first push is not credited either (tenth pass M-2), and the second is a reuse.
    const shared = signature();
    const a = await enrollTerminal(s, admin);
    const b = await enrollTerminal(s, admin);

    const first = await push(s, await a.bundle([a.sale({ tender: 'qr', qrText: shared })]));
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('review');
    expect(codes(first.body)).toEqual(['QR_UNVERIFIED']);

    const other = await push(s, await b.bundle([b.sale({ tender: 'qr', qrText: signature(b) })]));
    expect(other.body.status).toBe('accepted');

    const again = await push(s, await b.bundle([b.sale({ tender: 'qr', qrText: shared })]));
    expect(again.status).toBe(200);
    expect(codes(again.body)).toContain('DUPLICATE_QR');
    expect(again.body.status).toBe('quarantined');

    // Delivering the first bundle again is the same answer, not a reuse of its own QR.
    const envelope = await a.bundle([a.sale({ tender: 'qr', qrText: signature(a) })]);
    expect((await push(s, envelope)).body.status).toBe('accepted');
    const redelivered = await push(s, envelope);
    expect(redelivered.body.duplicate).toBe(true);
    expect(codes(redelivered.body)).not.toContain('DUPLICATE_QR');
  });

  it('the same QR twice inside one bundle is flagged', async () => {
    const t = await enrollTerminal(s, admin);
    const twice = signature(t);
    const sales = [t.sale({ tender: 'qr', qrText: twice }), t.sale({ tender: 'qr', qrText: twice })];
    const res = await push(s, await t.bundle(sales));
    expect(codes(res.body)).toContain('DUPLICATE_QR');
  });

  it('one QR on two tenders of one sale pays it twice: DUPLICATE_QR, quarantined, never posted', async () => {
    // Red-team pass 7, M-a: a till that skips its own check (old, or written by someone) splits a
    // sale into two QR tenders carrying the same genuine QR; each alone verifies.
    const t = await enrollTerminal(s, admin);
    const qr = t.qr(1180);
    const sale = t.sale({ price: 2000, tax: 360, tender: 'qr', qrText: qr });
    const twice: Sale = {
      ...sale,
      tenders: [0, 1].map(() => ({ type: 'qr', amount_minor: 1180, qr: qrTenderOf(qr) })),
    };
    t.head = saleHash(twice);
    const res = await push(s, await t.bundle([twice]));
    expect(res.status).toBe(200);
    expect(codes(res.body)).toContain('DUPLICATE_QR');
    expect(res.body.status).toBe('quarantined');
    expect(await postedLegs(s, sale.sale_id)).toBe(0);
  });

  it('a rejected push does not claim its QRs', async () => {
    const t = await enrollTerminal(s, admin);
    const qr = signature(t);
    const envelope = await t.bundle([t.sale({ tender: 'qr', qrText: qr })]);
    const tampered = {
      ...envelope,
      signature: envelope.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    };
    expect((await push(s, tampered)).status).toBe(401);
    const { rows } = await s.pool.query('SELECT 1 FROM offline_qr_uses WHERE signature = $1', [
      qrTenderOf(qr).signature,
    ]);
    expect(rows).toHaveLength(0);
    expect((await push(s, envelope)).body.status).toBe('accepted');
  });
});
