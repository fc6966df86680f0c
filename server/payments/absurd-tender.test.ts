import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, postedLegs, push, SN_POLICY } from './test-support';

/**
 * Attack (issue #18): a barcode typed into "Cash tendered" recorded 6,001,234,000,068 XOF of cash
 * with matching change, in a genuine signed bundle, and the server accepted it. Cash beyond both
 * 10 × what it had to cover and the policy's max_offline_amount (SN_POLICY: 100,000) is now
 * quarantined with a reason naming the sale, never posted; a large note for a small sale, or a large
 * sale paid with a little extra, is still money. It was a 422 TENDER_ABSURD refusing the bundle,
 * which a till takes as final: lowering the policy's maximum then refused honest sales for good and
 * blocked the till's sync (red-team pass 7, M-c).
 */

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('absurd@controls.test', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
const invalidDetail = (body: { reasons: { code: string; detail: string }[] }) =>
  body.reasons.find((r) => r.code === 'INVALID_SALE')?.detail ?? '';
const posted = (saleId: string) => postedLegs(s, saleId);

describe('absurd cash in a signed bundle', () => {
  it('quarantines the reported 6,001,234,000,068 XOF of cash, naming the sale, and never posts it', async () => {
    const till = await enrollTerminal(s, admin);
    const fine = till.sale({ createdAt: new Date(Date.now() - 60_000) });
    const absurd = till.sale({ cash: 6_001_234_000_068 });
    const res = await push(s, await till.bundle([fine, absurd]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('quarantined');
    expect(codes(res.body)).toContain('INVALID_SALE');
    expect(invalidDetail(res.body)).toContain(absurd.sale_id);
    expect(invalidDetail(res.body)).not.toContain(fine.sale_id);
    expect(await posted(absurd.sale_id)).toBe(0);
  });

  it('takes a 10,000 note for a 1,180 sale and 150,000 for a 99,180 sale: only beyond both bounds is absurd', async () => {
    const till = await enrollTerminal(s, admin);
    // Above the policy's maximum but 1.5 × the total: within the multiple, so money.
    const big = till.sale({
      price: 99_000,
      tax: 180,
      cash: 150_000,
      createdAt: new Date(Date.now() - 60_000),
    });
    // 8.5 × the total, under the maximum.
    const note = till.sale({ cash: 10_000, createdAt: new Date(Date.now() - 30_000) });
    // 50 × the total but under the maximum (100,000): a big note, not a typing accident.
    const bigNote = till.sale({ cash: 59_000 });
    const res = await push(s, await till.bundle([big, note, bigNote]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('a lowered maximum holds the honest sale for a person (quarantine), not a refusal: the till syncs on', async () => {
    // Red-team pass 7, M-c: at 200,000 the till took 150,000 for a 10,000 sale (15 ×, under the
    // maximum: money, the cashier confirmed the change). The admin then lowers the maximum to
    // 100,000 before the till pushes.
    const raised = { ...SN_POLICY, max_offline_amount: 200_000, approval_threshold: 100_000 };
    expect((await s.call('POST', '/offline/policies', { token: admin, body: raised })).status).toBe(200);
    const till = await enrollTerminal(s, admin);
    const a = till.sale({ createdAt: new Date(Date.now() - 90_000) });
    expect((await push(s, await till.bundle([a]))).body.status).toBe('accepted');
    const b = till.sale({ price: 10_000, tax: 0, cash: 150_000, createdAt: new Date(Date.now() - 60_000) });
    const c = till.sale({ createdAt: new Date(Date.now() - 30_000) });
    expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);

    const res = await push(s, await till.bundle([b, c]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('quarantined');
    expect(invalidDetail(res.body)).toContain(b.sale_id);
    expect(await posted(b.sale_id)).toBe(0);

    // The till's next bundle continues the chain and is taken as usual.
    const d = till.sale();
    const next = await push(s, await till.bundle([d]));
    expect([next.status, next.body.status]).toEqual([200, 'accepted']);
    expect(codes(next.body)).toEqual([]);
  });
});
