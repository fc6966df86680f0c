import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import { runLedgerCheck } from '../sales/ledger-check';
import { bundleWith, enrollTerminal, push, SN_POLICY } from './test-support';

/**
 * A bundle is (device_id, bundle_id) (issue #16, 13th red-team pass M-1; migration 1796489050606).
 * bundle_id and nonce travel in clear: another enrolled terminal that pushes a bundle under a till's
 * ids first must not turn the till's own bundle into a 409. On the real server and PostgreSQL.
 */
let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('bundle-identity-admin@example.com', ['pay_admin', 'ops'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe('a bundle id and nonce taken first by another terminal', () => {
  it('leave the device’s own bundle accepted and posted; reuse by the device itself is still refused', async () => {
    const victim = await enrollTerminal(s, admin, { tenantId: 'shop-victim' });
    const rogue = await enrollTerminal(s, admin, { tenantId: 'shop-rogue' });
    const honest = await victim.bundle([victim.sale({ price: 1_000, tax: 0 })]);
    const squat = await bundleWith(rogue, [rogue.sale({ price: 100, tax: 0 })], {
      bundleId: honest.bundle_id,
      nonce: honest.nonce,
    });
    expect((await push(s, squat)).body.status).toBe('accepted');

    const answer = await push(s, honest);
    expect([answer.status, codeOf(answer.body)]).toEqual([200, undefined]);
    expect(answer.body).toMatchObject({ status: 'accepted', duplicate: false });
    // Each re-send is its own device's duplicate.
    expect((await push(s, honest)).body.duplicate).toBe(true);
    expect((await push(s, squat)).body.duplicate).toBe(true);

    // BUNDLE_ID_REUSED keeps its one meaning: this device sent other content under its own id.
    const reused = await push(
      s,
      await victim.bundle([victim.sale({ price: 50, tax: 0 })], { bundleId: honest.bundle_id }),
    );
    expect([reused.status, codeOf(reused.body)]).toEqual([409, 'BUNDLE_ID_REUSED']);

    expect((await runOnce({ pool: s.pool })).failed).toBe(0);
    const { rows } = await s.pool.query<{ device_id: string; status: string; debit: string }>(
      `SELECT b.device_id, b.status,
              (SELECT sum(l.debit_minor) FROM ledger_entries l
               WHERE l.device_id = b.device_id AND l.bundle_id = b.bundle_id)::text AS debit
       FROM offline_tx_bundles b WHERE b.bundle_id = $1 ORDER BY b.device_id = $2`,
      [honest.bundle_id, rogue.device.id],
    );
    expect(rows).toEqual([
      { device_id: victim.device.id, status: 'reconciled', debit: '1000' },
      { device_id: rogue.device.id, status: 'reconciled', debit: '100' },
    ]);
    expect(await runLedgerCheck(s.pool)).toMatchObject({ balanced: true, unbalanced_sales: { count: 0 } });
  });

  it('each device reads only its own bundle of the id; ops name the device or are told it is ambiguous', async () => {
    const a = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const b = await enrollTerminal(s, admin, { tenantId: 'shop-b' });
    // Above the policy's approval threshold: both bundles wait for a person.
    const first = await a.bundle([a.sale({ price: 60_000, tax: 0 })]);
    const second = await b.bundle([b.sale({ price: 70_000, tax: 0 })], { bundleId: first.bundle_id });
    expect((await push(s, first)).body.status).not.toBe('accepted');
    expect((await push(s, second)).body.status).not.toBe('accepted');
    const id = first.bundle_id;

    // A device: its own, whatever it asks.
    for (const [t, total] of [
      [a, 60_000],
      [b, 70_000],
    ] as const) {
      const path = `/offline/bundles/${id}`;
      const own = await s.call('GET', path, { headers: signed(t.device, 'GET', path, '') });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({
        bundle: { device_id: t.device.id, totals: [{ total_minor: total }] },
      });
    }
    const other = `/offline/bundles/${id}?device_id=${a.device.id}`;
    expect((await s.call('GET', other, { headers: signed(b.device, 'GET', other, '') })).status).toBe(404);

    // Ops: the id alone is ambiguous, never one device's bundle picked for the other's.
    for (const [method, path] of [
      ['GET', `/offline/bundles/${id}`],
      ['GET', `/offline/sales/bundles/${id}`],
      ['POST', `/offline/review/${id}`],
    ] as const) {
      const res = await s.call(method, path, {
        token: admin,
        ...(method === 'POST' ? { body: { decision: 'reject', note: 'which one?' } } : {}),
      });
      expect([res.status, codeOf(res.body)]).toEqual([409, 'BUNDLE_AMBIGUOUS']);
    }
    const decided = await s.call('POST', `/offline/review/${id}?device_id=${b.device.id}`, {
      token: admin,
      body: { decision: 'reject', note: 'not ours' },
    });
    expect(decided.status).toBe(200);
    const { rows } = await s.pool.query<{ device_id: string; status: string }>(
      'SELECT device_id, status FROM offline_tx_bundles WHERE bundle_id = $1 ORDER BY device_id = $2',
      [id, b.device.id],
    );
    expect(rows.map((r) => r.status)).toEqual([expect.stringMatching(/^(review|quarantined)$/), 'rejected']);
    const detail = await s.call('GET', `/offline/sales/bundles/${id}?device_id=${a.device.id}`, {
      token: admin,
    });
    expect(detail.body).toMatchObject({ device_id: a.device.id, review: null });
  });

  it('the review queue lists both devices’ bundles of one id, even received in the same microsecond', async () => {
    const a = await enrollTerminal(s, admin, { tenantId: 'shop-a' });
    const b = await enrollTerminal(s, admin, { tenantId: 'shop-b' });
    const first = await a.bundle([a.sale({ price: 60_000, tax: 0 })]);
    const second = await b.bundle([b.sale({ price: 70_000, tax: 0 })], { bundleId: first.bundle_id });
    await push(s, first);
    await push(s, second);
    // Oldest of the queue, both at one instant: only the device tells them apart in the page key.
    await s.pool.query(
      `UPDATE offline_tx_bundles SET received_at = '2001-01-01T00:00:00Z' WHERE bundle_id = $1`,
      [first.bundle_id],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 2; page++) {
      const path: string = `/offline/review?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await s.call('GET', path, { token: admin });
      expect(res.status, res.text).toBe(200);
      const body = res.body as { bundles: { device_id: string }[]; next_cursor: string | null };
      seen.push(...body.bundles.map((x) => x.device_id));
      cursor = body.next_cursor;
    }
    expect(seen.sort()).toEqual([a.device.id, b.device.id].sort());
  });
});
