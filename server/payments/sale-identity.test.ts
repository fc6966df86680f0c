import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import type { Sale } from '../../protocol/bundle';
import { enrollTerminal, push, registerTestWallet, SN_POLICY, type Terminal, walletQr } from './test-support';
import { runLedgerCheck } from '../sales/ledger-check';

/**
 * A sale is identified by who recorded it, (device_id, sale_id) (issue #16, eighth red-team pass
 * M-1). Every printed receipt carries its sale_id (`outpost-receipt:<sale_id>`): an enrolled till of
 * another tenant pushed a sale under a victim's sale_id before the victim synced, and the victim's
 * honest bundle was refused 409 SEQUENCE_CONFLICT for good (its till treats a 409 as final). These
 * attacks run against the real server and PostgreSQL.
 */
let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('identity-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

const reconcile = () => runOnce({ pool: s.pool, workerId: 'identity-test-worker' });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
/** The status of `sales` pushed as one bundle of `t`. */
const statusOf = async (t: Terminal, sales: Sale[]) => (await push(s, await t.bundle(sales))).body.status;

/** Ledger legs posted for one device's sale: Σ debit (the sale's money in) and the row count. */
async function posted(deviceId: string, saleId: string) {
  const { rows } = await s.pool.query<{ n: string; debit: string | null; reversed: string | null }>(
    `SELECT count(*)::text AS n, sum(debit_minor)::text AS debit,
            (SELECT sum(credit_minor)::text FROM ledger_entries r
             WHERE r.reverses_device_id = $1 AND r.reverses_sale_id = $2 AND r.leg IN ('cash', 'card', 'qr'))
              AS reversed
     FROM ledger_entries WHERE device_id = $1 AND sale_id = $2`,
    [deviceId, saleId],
  );
  return {
    legs: Number(rows[0]!.n),
    debit: Number(rows[0]!.debit ?? 0),
    reversed: Number(rows[0]!.reversed ?? 0),
  };
}

describe('a sale_id squatted by another tenant’s till', () => {
  it('never refuses or blocks the victim’s bundles; each device’s sale is posted as its own', async () => {
    const victim = await enrollTerminal(s, admin, { tenantId: 'shop-victim' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'shop-rogue' });
    const honest = victim.sales(3, { price: 1_000, tax: 180 });
    // The rogue read honest[1]'s receipt and pushes a 100 XOF sale under its sale_id first.
    const squat = rogue.sale({ saleId: honest[1]!.sale_id, price: 100, tax: 0, createdAt: minutesAgo(15) });
    expect(await statusOf(rogue, [squat])).toBe('accepted');

    const first = await push(s, await victim.bundle(honest));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'accepted', reasons: [], duplicate: false });
    // The victim's next bundle follows on: no SEQUENCE_GAP, nothing held.
    const next = await push(s, await victim.bundle([victim.sale({ price: 500, tax: 0 })]));
    expect(next.body).toMatchObject({ status: 'accepted', reasons: [] });

    await reconcile();
    await reconcile();
    expect(await posted(victim.device.id, honest[1]!.sale_id)).toMatchObject({ debit: 1_180 });
    expect(await posted(rogue.device.id, honest[1]!.sale_id)).toMatchObject({ debit: 100 });
    const status = await s.call('GET', `/offline/bundles/${first.body.bundle_id}`, {
      token: (await s.user('identity-ops@example.com', ['ops'])).token,
    });
    expect((status.body as { bundle: { status: string } }).bundle.status).toBe('reconciled');
    expect((await runLedgerCheck(s.pool)).balanced).toBe(true);
  });

  it('a till’s own resend is still idempotent, and its own sale_id in another bundle is still refused', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-resend' });
    const sale = t.sale({ price: 2_000, tax: 0, createdAt: minutesAgo(10) });
    const envelope = await t.bundle([sale]);
    const firstAnswer = await push(s, envelope);
    expect(firstAnswer.body.status).toBe('accepted');
    await reconcile();
    const again = await push(s, envelope);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, bundle_id: envelope.bundle_id, status: 'accepted' });
    await reconcile();
    expect(await posted(t.device.id, sale.sale_id)).toMatchObject({ legs: 2, debit: 2_000 });

    // The same device re-using its own sale_id under a new sequence number: refused as before.
    const reused = t.sale({ saleId: sale.sale_id, price: 3_000, tax: 0 });
    const conflict = await push(s, await t.bundle([reused]));
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.code).toBe('SEQUENCE_CONFLICT');
  });

  it('a refund from another tenant’s till counts against nothing; the victim’s own refunds still do', async () => {
    const victim = await enrollTerminal(s, admin, { tenantId: 'shop-victim-2' });
    const desk = await enrollTerminal(s, admin, { tenantId: 'shop-victim-2' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'shop-rogue-2' });
    const original = victim.sale({ price: 10_000, tax: 0, createdAt: minutesAgo(30) });
    expect(await statusOf(victim, [original])).toBe('accepted');
    await reconcile();

    // The rogue refunds all of the victim's sale, and squats its sale_id with a sale of its own.
    const squat = rogue.sale({ saleId: original.sale_id, price: 50, tax: 0, createdAt: minutesAgo(25) });
    expect(await statusOf(rogue, [squat])).toBe('accepted');
    const foreign = rogue.sale({ kind: 'refund', original_sale_id: original.sale_id, price: 10_000, tax: 0 });
    const rogueBundle = await rogue.bundle([foreign]);
    // Its own squatted sale is the rogue's original now: 10,000 back on a 50 sale is a mismatch.
    const refused = await push(s, rogueBundle);
    expect(refused.body.status).toBe('quarantined');
    expect(refused.body.reasons.map((r) => r.code)).toEqual(['REFUND_MISMATCH']);
    expect(refused.body.reasons[0]!.detail).toContain('exceeds the 50 left');
    // Without a squat of its own, a refund of the victim's sale is another tenant's.
    const stranger = await enrollTerminal(s, admin, { tenantId: 'shop-rogue-3' });
    const strangers = stranger.sale({
      kind: 'refund',
      original_sale_id: original.sale_id,
      price: 10_000,
      tax: 0,
    });
    const strangerAnswer = await push(s, await stranger.bundle([strangers]));
    expect(strangerAnswer.body.status).toBe('quarantined');
    expect(strangerAnswer.body.reasons[0]!.detail).toContain('belongs to another tenant');

    // Another till of the victim's shop refunds the whole sale: its original is the victim's, and
    // the rogue's held refund has taken nothing from it.
    const refund = desk.sale({ kind: 'refund', original_sale_id: original.sale_id, price: 10_000, tax: 0 });
    const answer = await push(s, await desk.bundle([refund]));
    expect(answer.body).toMatchObject({ status: 'accepted', reasons: [] });
    // Ops approve the rogue's anyway: the worker still never posts it against anyone's sale.
    const ops = (await s.user('identity-ops-2@example.com', ['ops'])).token;
    expect(
      (
        await s.call('POST', `/offline/review/${rogueBundle.bundle_id}`, {
          token: ops,
          body: { decision: 'approve', note: 'approved by mistake' },
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < 4; i++) await reconcile();
    expect(await posted(victim.device.id, original.sale_id)).toMatchObject({
      debit: 10_000,
      reversed: 10_000,
    });
    expect(await posted(rogue.device.id, foreign.sale_id)).toMatchObject({ legs: 0 });
    expect(await posted(rogue.device.id, original.sale_id)).toMatchObject({ debit: 50, reversed: 0 });

    // A second full refund by the victim's own till is beyond what remains.
    const twice = victim.sale({ kind: 'refund', original_sale_id: original.sale_id, price: 10_000, tax: 0 });
    const over = await push(s, await victim.bundle([twice]));
    expect(over.body.reasons.map((r) => r.code)).toEqual(['REFUND_MISMATCH']);
    expect((await runLedgerCheck(s.pool)).balanced).toBe(true);
  });

  it('one customer QR on the victim’s sale and on a squat of its sale_id: the reuse is still flagged', async () => {
    const victim = await enrollTerminal(s, admin, { tenantId: 'shop-victim-qr' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'shop-rogue-qr' });
    // A QR the customer showed, quoting no request: nothing names its payee, so the first push is
    // held for a person too (tenth pass M-2); a QR quoting the victim's request is qr-payee.test.ts.
    const qrText = walletQr(1180, minutesAgo(6).getTime());
    const paid = victim.sale({ tender: 'qr', qrText, createdAt: minutesAgo(5) });
    const squat = rogue.sale({ saleId: paid.sale_id, tender: 'qr', qrText, createdAt: minutesAgo(4) });
    expect(await statusOf(rogue, [squat])).toBe('review');
    const answer = await push(s, await victim.bundle([paid]));
    expect(answer.body.status).toBe('quarantined');
    expect(answer.body.reasons.map((r) => r.code)).toEqual(['DUPLICATE_QR', 'QR_UNVERIFIED']);
    expect(answer.body.reasons[0]!.detail).toContain(
      `already used by sale ${paid.sale_id} of ${rogue.device.id}`,
    );
  });

  it('a sale_id held by two other tills of the tenant resolves to neither: held for a person', async () => {
    const a = await enrollTerminal(s, admin, { tenantId: 'shop-clash' });
    const b = await enrollTerminal(s, admin, { tenantId: 'shop-clash' });
    const c = await enrollTerminal(s, admin, { tenantId: 'shop-clash' });
    const sale = a.sale({ price: 1_000, tax: 0, createdAt: minutesAgo(10) });
    expect(await statusOf(a, [sale])).toBe('accepted');
    const copy = b.sale({ saleId: sale.sale_id, price: 1_000, tax: 0, createdAt: minutesAgo(9) });
    expect(await statusOf(b, [copy])).toBe('accepted');
    const refund = c.sale({ kind: 'refund', original_sale_id: sale.sale_id, price: 1_000, tax: 0 });
    const answer = await push(s, await c.bundle([refund]));
    expect(answer.body.status).toBe('quarantined');
    expect(answer.body.reasons[0]!.detail).toContain('is held by 2 terminals of the tenant');
  });
});
