import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../protocol/bundle';
import { newRequestRef } from '../../protocol/qr';
import { withTransaction } from '../db/tx';
import { startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import { claimQrUses } from './qr-uses';
import {
  enrollTerminal,
  postedLegs,
  push,
  registerTestWallet,
  SN_POLICY,
  walletQr,
  type Terminal,
} from './test-support';

// Eleventh red-team pass. M-1: a till of another tenant pushed only a token's signature and payer,
// no QR text: it claimed the QR, and the payee shop's genuine sale was quarantined DUPLICATE_QR.
// M-2: one customer QR (quoting no request) pushed by two tenants' tills: the first bundle showed
// only QR_UNVERIFIED, ops approved both, and one payment was credited to two merchants.

let s: TestServer;
let admin: string;
let ops: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('qr-claims-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('qr-claims-ops@example.com', ['ops'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  await registerTestWallet(s, admin);
});
afterAll(async () => {
  await s?.close();
});

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

/** `t`'s QR sale paying with `qrText`, its tender stripped of the QR text (the "older terminal" form). */
function textless(t: Terminal, qrText: string): Sale {
  const sale = t.sale({ tender: 'qr', qrText });
  const tender = sale.tenders[0]!;
  const { payer_ref, signature } = tender.qr!;
  return { ...sale, tenders: [{ ...tender, qr: { payer_ref, signature } }] };
}

const decide = (bundleId: string, decision: 'approve' | 'reject') =>
  s.call('POST', `/offline/review/${bundleId}`, { token: ops, body: { decision, note: 'checked' } });
const errorCode = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;
const reasonsOf = async (bundleId: string) =>
  (
    (await s.call('GET', `/offline/bundles/${bundleId}`, { token: ops })).body as {
      bundle: { status: string; reasons: { code: string; detail: string }[] };
    }
  ).bundle;

describe('a QR tender that proves nothing claims nothing (eleventh pass M-1)', () => {
  it("a rogue till's text-less copy of the shop's token is refused, and the shop's genuine sale is accepted", async () => {
    const shopA = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
    const token = walletQr(1180, Date.now() - 60_000, newRequestRef(shopA.id));

    const stolen = textless(rogue, token);
    const first = await push(s, await rogue.bundle([stolen]));
    expect(first.status).toBe(422);
    expect(first.body.error?.code).toBe('QR_TEXT_REQUIRED');

    const honest = shopA.sale({ tender: 'qr', qrText: token });
    const second = await push(s, await shopA.bundle([honest]));
    expect(second.status).toBe(200);
    expect(codes(second.body)).toEqual([]);
    expect(second.body.status).toBe('accepted');
    await runOnce({ pool: s.pool, workerId: 'qr-claims-test' });
    expect(await postedLegs(s, honest.sale_id)).toBeGreaterThan(0);
  });

  it('a text-less tender reaching the claim claims nothing (defence behind the refusal)', async () => {
    const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
    const sale = textless(rogue, walletQr(1180, Date.now() - 60_000));
    const signature = sale.tenders[0]!.qr!.signature!;
    // Rolled back: the claim alone, without the push around it.
    await expect(
      withTransaction(s.pool, async (client) => {
        await claimQrUses(client, [sale], randomUUID());
        const { rowCount } = await client.query('SELECT 1 FROM offline_qr_uses WHERE signature = $1', [
          signature,
        ]);
        throw new Error(`claims: ${rowCount}`);
      }),
    ).rejects.toThrow('claims: 0');
  });
});

/** A QR the customer shows (no request quoted), pushed by a rogue tenant's till first, then the shop's. */
async function pushedTwice() {
  const shopA = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
  const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
  const shown = walletQr(1180, Date.now() - 60_000);
  const stolen = rogue.sale({ tender: 'qr', qrText: shown });
  const first = await push(s, await rogue.bundle([stolen]));
  const honest = shopA.sale({ tender: 'qr', qrText: shown });
  const second = await push(s, await shopA.bundle([honest]));
  expect([first.status, second.status]).toEqual([200, 200]);
  expect(second.body.status).toBe('quarantined');
  expect(codes(second.body)).toContain('DUPLICATE_QR');
  return { rogue, shopA, stolen, honest, first: first.body, second: second.body };
}

describe('one customer QR is credited once, whatever ops approve (eleventh pass M-2)', () => {
  it('the earlier bundle gains DUPLICATE_QR naming the later sale; approving the second after the first is refused', async () => {
    const { shopA, stolen, honest, first, second } = await pushedTwice();

    // The rogue's bundle was pushed with QR_UNVERIFIED alone; the reviewer now sees the conflict on it.
    const earlier = await reasonsOf(first.bundle_id);
    expect(codes(earlier)).toEqual(expect.arrayContaining(['QR_UNVERIFIED', 'DUPLICATE_QR']));
    expect(earlier.reasons.find((r) => r.code === 'DUPLICATE_QR')!.detail).toContain(
      `used again by sale ${honest.sale_id} of ${shopA.id}`,
    );
    expect(earlier.status).toBe('quarantined');
    const queue = await s.call('GET', `/offline/review?reason=DUPLICATE_QR`, { token: ops });
    const listed = (queue.body as { bundles: { bundle_id: string }[] }).bundles.map((b) => b.bundle_id);
    expect(listed).toEqual(expect.arrayContaining([first.bundle_id, second.bundle_id]));

    expect((await decide(first.bundle_id, 'approve')).status).toBe(200);
    const again = await decide(second.bundle_id, 'approve');
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('QR_ALREADY_CREDITED');
    // Still held: ops may reject it.
    expect((await reasonsOf(second.bundle_id)).status).toBe('quarantined');
    expect((await decide(second.bundle_id, 'reject')).status).toBe(200);

    await runOnce({ pool: s.pool, workerId: 'qr-claims-test' });
    expect(await postedLegs(s, stolen.sale_id)).toBeGreaterThan(0);
    expect(await postedLegs(s, honest.sale_id)).toBe(0);
  });

  it("a rogue's copy that ops approved first holds the QR: the payee's later sale is not credited unseen", async () => {
    const shopA = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'rogue-b' });
    const token = walletQr(1180, Date.now() - 60_000, newRequestRef(shopA.id));
    const stolen = rogue.sale({ tender: 'qr', qrText: token });
    const first = await push(s, await rogue.bundle([stolen]));
    expect(codes(first.body)).toContain('QR_PAYEE_MISMATCH');
    // A reviewer's mistake: the copy claimed nothing, yet it is now credited.
    expect((await decide(first.body.bundle_id, 'approve')).status).toBe(200);
    const honest = shopA.sale({ tender: 'qr', qrText: token });
    const second = await push(s, await shopA.bundle([honest]));
    expect(codes(second.body)).toContain('DUPLICATE_QR');
    expect(second.body.status).toBe('quarantined');
    expect(errorCode(await decide(second.body.bundle_id, 'approve'))).toBe('QR_ALREADY_CREDITED');
  });

  it('two approvals of one QR racing on the real database: exactly one passes', async () => {
    const { first, second, stolen, honest } = await pushedTwice();
    // Both approvals are made to stop just before they commit (their transactions' status update
    // waits on this lock), so each has made its check while the other was still open.
    const blocker = await s.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM offline_transactions WHERE sale_id = ANY($1::uuid[]) FOR UPDATE', [
        [stolen.sale_id, honest.sale_id],
      ]);
      const decisions = Promise.all([
        decide(first.bundle_id, 'approve'),
        decide(second.bundle_id, 'approve'),
      ]);
      // Both requests are inside their transactions, each waiting on a lock.
      for (let i = 0; i < 600; i++) {
        const { rows } = await s.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1`,
          [(blocker as unknown as { processID: number }).processID],
        );
        if (rows[0]!.n >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await blocker.query('COMMIT');
      const answers = await decisions;
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.map(errorCode).filter(Boolean)).toEqual(['QR_ALREADY_CREDITED']);
    } finally {
      blocker.release();
    }
    await runOnce({ pool: s.pool, workerId: 'qr-claims-test' });
    const legs = [await postedLegs(s, stolen.sale_id), await postedLegs(s, honest.sale_id)];
    expect(legs.filter((n) => n > 0)).toHaveLength(1);
  });
});

// Twelfth-pass brief: two sales of one bundle paying with one QR are that QR paying twice: held
// DUPLICATE_QR at push like two bundles' sales, and approving the bundle (which would post both)
// is refused as approving the second of two bundles is.
describe('one QR on two sales of one bundle', () => {
  it('is held DUPLICATE_QR and cannot be approved into two credits', async () => {
    const shop = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const token = shop.qr(1180, Date.now() - 60_000);
    const a = shop.sale({ tender: 'qr', qrText: token });
    const b = shop.sale({ tender: 'qr', qrText: token });
    const pushed = await push(s, await shop.bundle([a, b]));
    expect(pushed.status).toBe(200);
    expect(codes(pushed.body)).toContain('DUPLICATE_QR');
    expect(pushed.body.status).toBe('quarantined');
    const approve = await decide(pushed.body.bundle_id, 'approve');
    expect([approve.status, errorCode(approve)]).toEqual([409, 'QR_ALREADY_CREDITED']);
    expect((await reasonsOf(pushed.body.bundle_id)).status).toBe('quarantined');
    expect((await decide(pushed.body.bundle_id, 'reject')).status).toBe(200);
    await runOnce({ pool: s.pool, workerId: 'qr-claims-test' });
    expect(await postedLegs(s, a.sale_id)).toBe(0);
    expect(await postedLegs(s, b.sale_id)).toBe(0);
  });
});
