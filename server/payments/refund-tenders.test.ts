import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleHash, type Sale } from '../../protocol/bundle';
import { startTestServer, type TestServer } from '../testing/harness';
import {
  enrollTerminal,
  postedLegs,
  push,
  qrTenderOf,
  registerTestWallet,
  SN_POLICY,
  type Terminal,
} from './test-support';

/**
 * Red-team pass 7, M-b: money a refund sends back is held to what the original took by each tender.
 * A terminal that skips the till's own rule (src-main/core/pos/refund-tender.ts), or writes its own
 * override, pushed a genuine QR sale with a cash refund of it and the server posted it with score 0:
 * cash left the drawer that never came into it. Real server and PostgreSQL, real reconciliation.
 */
let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('refund-tenders-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
const detailOf = (body: { reasons: { code: string; detail: string }[] }, code: string) =>
  body.reasons.filter((r) => r.code === code).map((r) => r.detail);
const posted = (saleId: string) => postedLegs(s, saleId);

/** A sale of `t` whose tenders are replaced, re-chained as a terminal of another build would. */
function withTenders(t: Terminal, sale: Sale, tenders: Sale['tenders']): Sale {
  const changed = { ...sale, tenders };
  t.head = saleHash(changed);
  return changed;
}
const qrTender = (t: Terminal, amount: number): Sale['tenders'][number] => ({
  type: 'qr',
  amount_minor: amount,
  qr: qrTenderOf(t.qr(amount, Date.now() - 60_000)),
});
const cashTender = (amount: number, change = 0): Sale['tenders'][number] => ({
  type: 'cash',
  amount_minor: amount + change,
  change_minor: change,
});
/** A 40,000 XOF refund of `original`, given back in cash (or as `tenders` says). */
const refundOf = (t: Terminal, original: Sale, spec: { override?: boolean; amount?: number } = {}) =>
  t.sale({
    kind: 'refund',
    original_sale_id: original.sale_id,
    price: spec.amount ?? 40_000,
    tax: 0,
    cash: spec.amount ?? 40_000,
    ...(spec.override ? { override: true } : {}),
  });

describe('a refund gives back no more, by tender, than the original took', () => {
  it('a genuine QR sale refunded in cash without an override: quarantined REFUND_MISMATCH, never posted', async () => {
    const t = await enrollTerminal(s, admin);
    const sale = t.sale({ price: 40_000, tax: 0, tender: 'qr' });
    const refund = refundOf(t, sale);
    const res = await push(s, await t.bundle([sale, refund]));
    expect(res.status).toBe(200);
    expect(codes(res.body)).toContain('REFUND_MISMATCH');
    expect(detailOf(res.body, 'REFUND_MISMATCH').join()).toMatch(/in cash .*without a manager override/);
    expect(res.body.status).toBe('quarantined');
    expect(await posted(refund.sale_id)).toBe(0);
  });

  it('the same with the terminal’s manager override: held for review, never posted unseen', async () => {
    const t = await enrollTerminal(s, admin);
    const sale = t.sale({ price: 40_000, tax: 0, tender: 'qr' });
    const refund = refundOf(t, sale, { override: true });
    const res = await push(s, await t.bundle([sale, refund]));
    expect(res.status).toBe(200);
    expect(codes(res.body)).not.toContain('REFUND_MISMATCH');
    expect(detailOf(res.body, 'OVERRIDE_USED').join()).toMatch(/in cash .*manager override/);
    expect(res.body.status).toBe('review');
    expect(await posted(refund.sale_id)).toBe(0);
  });

  it('a QR sale refunded to a card: quarantined REFUND_MISMATCH', async () => {
    const t = await enrollTerminal(s, admin);
    const sale = t.sale({ price: 40_000, tax: 0, tender: 'qr' });
    const refund = t.sale({
      kind: 'refund',
      original_sale_id: sale.sale_id,
      price: 40_000,
      tax: 0,
      tender: 'card',
    });
    const res = await push(s, await t.bundle([sale, refund]));
    expect(detailOf(res.body, 'REFUND_MISMATCH').join()).toMatch(/in card/);
    expect(res.body.status).toBe('quarantined');
  });

  it('cash back counts the cash net of change, less earlier cash refunds, across pushes', async () => {
    const t = await enrollTerminal(s, admin);
    // 40,000: 20,000 in cash (25,000 handed over, 5,000 change) and 20,000 by QR.
    const sale = withTenders(t, t.sale({ price: 40_000, tax: 0 }), [
      cashTender(20_000, 5_000),
      qrTender(t, 20_000),
    ]);
    const first = refundOf(t, sale, { amount: 20_000 });
    const ok = await push(s, await t.bundle([sale, first]));
    expect(ok.body.status).toBe('accepted');
    expect(ok.body.reasons).toEqual([]);
    expect(await posted(first.sale_id)).toBeGreaterThan(0);

    // The cash the sale took is all given back: the QR half back in cash needs a manager.
    const second = refundOf(t, sale, { amount: 20_000 });
    const res = await push(s, await t.bundle([second]));
    expect(detailOf(res.body, 'REFUND_MISMATCH').join()).toMatch(/20000 back in cash exceeds the 0 in cash/);
    expect(res.body.status).toBe('quarantined');
    expect(await posted(second.sale_id)).toBe(0);
  });
});
