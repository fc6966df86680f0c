import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, push, SN_POLICY } from './test-support';

/**
 * Attack (issue #18): a barcode typed into "Cash tendered" recorded 6,001,234,000,068 XOF of cash
 * with matching change, in a genuine signed bundle, and the server accepted it. Cash beyond both
 * 10 × what it had to cover and the policy's max_offline_amount (SN_POLICY: 100,000) is now refused
 * 422 TENDER_ABSURD with nothing stored; a large note for a small sale, or a large sale paid with a
 * little extra, is still money.
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

const bundles = async () =>
  Number((await s.pool.query<{ n: string }>('SELECT count(*) AS n FROM offline_tx_bundles')).rows[0]!.n);

describe('absurd cash in a signed bundle', () => {
  it('refuses the reported 6,001,234,000,068 XOF of cash with 422 TENDER_ABSURD, storing nothing', async () => {
    const till = await enrollTerminal(s, admin);
    const fine = till.sale({ createdAt: new Date(Date.now() - 60_000) });
    const absurd = till.sale({ cash: 6_001_234_000_068 });
    const before = await bundles();
    const res = await push(s, await till.bundle([fine, absurd]));
    expect([res.status, res.body.error?.code]).toEqual([422, 'TENDER_ABSURD']);
    expect((res.body.error as unknown as { details: { sale_ids: string[] } }).details.sale_ids).toEqual([
      absurd.sale_id,
    ]);
    expect(await bundles()).toBe(before);
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
});
