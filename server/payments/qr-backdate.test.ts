import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import {
  enrollTerminal,
  ledgerEntriesOf,
  push,
  registerTestWallet,
  SN_POLICY,
  type Terminal,
} from './test-support';
import { runOnce } from '../worker/reconcile';

/**
 * Issue #16, eighth red-team pass L-4: a QR's expiry is judged against the sale's created_at, which
 * the till writes. A fresh till dated its first sale back to just after an expired genuine QR was
 * issued (6 h and 30 h before) and the sale was accepted with score 0. A QR-paid sale dated before
 * its till was registered, or before a sale the till recorded earlier, is held for review
 * (QR_BACKDATED), never refused; an honest till offline for days keeps working. Real server,
 * PostgreSQL and reconciliation; the wallet's QR is genuine (the red team's).
 */
let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('qr-backdate-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
/** Test setup only: the till was registered `hours` ago (the server stamps registrations now). */
const registeredHoursAgo = (t: Terminal, hours: number) =>
  s.pool.query(
    `UPDATE offline_devices SET created_at = now() - make_interval(hours => $2) WHERE device_id = $1`,
    [t.device.id, hours],
  );
const qrSaleAt = (t: Terminal, at: Date) => t.sale({ tender: 'qr', createdAt: at });

describe('a QR-paid sale dated back into an expired QR’s validity', () => {
  for (const hours of [6, 30])
    it(`on a fresh till, a QR issued ${hours} h ago: held for review (QR_BACKDATED), not posted`, async () => {
      const t = await enrollTerminal(s, admin);
      // Terminal.sale's QR is issued a minute before the sale, valid 10 minutes: genuine, long expired.
      const sale = qrSaleAt(t, hoursAgo(hours));
      const res = await push(s, await t.bundle([sale]));
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('review');
      expect(codes(res.body)).toEqual(['QR_BACKDATED']);
      expect(res.body.reasons[0]).toMatchObject({ weight: 0.2 });
      expect(res.body.reasons[0]!.detail).toContain(
        `sale ${sale.sale_id} is dated before this till was registered`,
      );
      await runOnce({ pool: s.pool, workerId: 'qr-backdate-worker' });
      expect(await ledgerEntriesOf(s, sale.sale_id)).toBe(0);
    });

  it('on an older till, dated before a sale it recorded earlier: held, in the bundle or against the last one held', async () => {
    const t = await enrollTerminal(s, admin);
    await registeredHoursAgo(t, 100);
    const cash = t.sale({ createdAt: hoursAgo(1) });
    expect((await push(s, await t.bundle([cash]))).body).toMatchObject({ status: 'accepted', reasons: [] });
    const late = qrSaleAt(t, hoursAgo(30));
    const res = await push(s, await t.bundle([late]));
    expect(res.body.status).not.toBe('accepted');
    expect(codes(res.body)).toContain('QR_BACKDATED');
    expect(res.body.reasons.find((r) => r.code === 'QR_BACKDATED')!.detail).toContain(
      `sale ${late.sale_id} is dated before a sale this till recorded earlier`,
    );

    const u = await enrollTerminal(s, admin);
    await registeredHoursAgo(u, 100);
    const first = u.sale({ createdAt: hoursAgo(2) });
    const inside = qrSaleAt(u, hoursAgo(6));
    const both = await push(s, await u.bundle([first, inside]));
    expect(codes(both.body)).toContain('QR_BACKDATED');
  });

  it('an honest till offline for two days: its QR sale, valid when taken, is accepted and posted', async () => {
    const t = await enrollTerminal(s, admin);
    await registeredHoursAgo(t, 60);
    const earlier = t.sale({ createdAt: hoursAgo(55) });
    expect((await push(s, await t.bundle([earlier]))).body.status).toBe('accepted');
    const sales = [qrSaleAt(t, hoursAgo(50)), t.sale({ createdAt: hoursAgo(49) }), qrSaleAt(t, hoursAgo(48))];
    const res = await push(s, await t.bundle(sales));
    expect(res.body).toMatchObject({ status: 'accepted', reasons: [] });
    await runOnce({ pool: s.pool, workerId: 'qr-backdate-worker' });
    expect(await ledgerEntriesOf(s, sales[0]!.sale_id)).toBeGreaterThan(0);
  });
});
