import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BundleDetail,
  LedgerCheckResult,
  ReviewPage,
  SaleRecord,
  SalesPage,
  Takings,
} from '../../protocol/http';
import { readCsv } from '../catalog/csv';
import { enrollTerminal, push, SN_POLICY, type Terminal } from '../payments/test-support';
import { startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';

/**
 * The back office's sales, takings, review queue and ledger check (issue #19, items 7 and 8),
 * against the real server and PostgreSQL.
 */

let s: TestServer;
let admin: string;
let ops: string;
let teacher: string;
let student: string;
let sn: Terminal;
let fr: Terminal;
// Sales must be recent (SN_POLICY: bundles at most 72 hours old): the day before yesterday and
// yesterday, in UTC.
const dayBefore = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const DAY1 = dayBefore(2);
const DAY2 = dayBefore(1);
const at = (iso: string) => new Date(iso);
const codeOf = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;

// What the two tills sold, for the assertions below.
const sold: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('sales-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('sales-ops@example.com', ['ops'])).token;
  teacher = (await s.user('sales-teacher@example.com', ['teacher'])).token;
  student = (await s.user('sales-student@example.com', ['student'])).token;
  for (const policy of [SN_POLICY, { ...SN_POLICY, country: 'FR', currency: 'EUR' }])
    expect((await s.call('POST', '/offline/policies', { token: admin, body: policy })).status).toBe(200);
  sn = await enrollTerminal(s, admin, { tenantId: 'shop-sn' });
  fr = await enrollTerminal(s, admin, { country: 'FR', tenantId: 'shop-fr' });

  // Till SN, XOF, day 1 (UTC): two cash sales by awa (1200 handed, 20 change: 1180 each), a card
  // sale by awa, a refund of the first cash sale by moussa; at 23:30 UTC a cash sale that is day 2
  // in Jakarta (UTC+7).
  const a = sn.sale({ createdAt: at(`${DAY1}T09:00:00Z`), cash: 1200, cashierId: 'awa' });
  const b = sn.sale({ createdAt: at(`${DAY1}T09:05:00Z`), cash: 1200, cashierId: 'awa' });
  const c = sn.sale({ createdAt: at(`${DAY1}T10:00:00Z`), tender: 'card', cashierId: 'awa' });
  const r = sn.sale({
    createdAt: at(`${DAY1}T11:00:00Z`),
    kind: 'refund',
    original_sale_id: a.sale_id,
    cash: 1180,
    cashierId: 'moussa',
  });
  const late = sn.sale({
    createdAt: at(`${DAY1}T23:30:00Z`),
    price: 5000,
    tax: 0,
    cash: 5000,
    cashierId: 'awa',
  });
  // A formula a spreadsheet would run, as a cashier id (the till signs any text there).
  const evil = sn.sale({
    createdAt: at(`${DAY2}T08:00:00Z`),
    cash: 1180,
    cashierId: '=HYPERLINK("http://evil")',
  });
  Object.assign(sold, {
    a: a.sale_id,
    b: b.sale_id,
    c: c.sale_id,
    r: r.sale_id,
    late: late.sale_id,
    evil: evil.sale_id,
  });
  const snPush = await push(s, await sn.bundle([a, b, c, r, late, evil]));
  expect(snPush.body.status, JSON.stringify(snPush.body)).toBe('accepted');

  // Till FR, EUR, day 1: a cash sale of 12.50 € (exact) by awa.
  const e = fr.sale({
    createdAt: at(`${DAY1}T12:00:00Z`),
    price: 1250,
    tax: 0,
    cash: 1250,
    currency: 'EUR',
    cashierId: 'awa',
  });
  sold.e = e.sale_id;
  const frPush = await push(s, await fr.bundle([e]));
  expect(frPush.body.status, JSON.stringify(frPush.body)).toBe('accepted');
  await runOnce({ pool: s.pool, workerId: 'sales-test' });
});
afterAll(async () => {
  await s?.close();
});

const get = <T>(path: string, token = ops) =>
  s.call('GET', path, { token }).then((r) => ({ ...r, json: r.body as T }));

describe('sales search (#19)', () => {
  it('pages newest first with a keyset cursor, every sale once', async () => {
    const seen: SaleRecord[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; json: SalesPage } = await get<SalesPage>(
        `/offline/sales?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.json.sales.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.sales);
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen.map((x) => x.sale_id).sort()).toEqual(Object.values(sold).sort());
    const times = seen.map((x) => x.created_at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by till, cashier, status, kind, currency and amount', async () => {
    const ids = async (q: string) =>
      (await get<SalesPage>(`/offline/sales?${q}`)).json.sales.map((x) => x.sale_id).sort();
    expect(await ids(`device_id=${fr.id}`)).toEqual([sold.e]);
    expect(await ids('cashier_id=moussa')).toEqual([sold.r]);
    expect(await ids('kind=refund')).toEqual([sold.r]);
    expect(await ids('currency=EUR')).toEqual([sold.e]);
    expect(await ids('currency=XOF&min_minor=2000&max_minor=6000')).toEqual([sold.late]);
    expect(await ids('status=reconciled&currency=EUR')).toEqual([sold.e]);
    expect(await ids('status=held')).toEqual([]);
  });

  it('bounds days in the time zone asked for', async () => {
    const ids = async (q: string) =>
      (await get<SalesPage>(`/offline/sales?${q}`)).json.sales.map((x) => x.sale_id).sort();
    expect(await ids(`from=${DAY1}&to=${DAY1}&currency=XOF`)).toEqual(
      [sold.a, sold.b, sold.c, sold.r, sold.late].sort(),
    );
    // 23:30 UTC on day 1 is 06:30 on day 2 in Jakarta.
    expect(await ids(`from=${DAY2}&to=${DAY2}&tz=Asia/Jakarta`)).toEqual([sold.late, sold.evil].sort());
  });

  it('exports a search as CSV whose formula cells a spreadsheet shows as text', async () => {
    const res = await s.call('GET', `/offline/sales/export?from=${DAY1}&to=${DAY2}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = readCsv(res.text).map((r) => r.fields);
    const header = rows[0]!;
    const col = (name: string) => header.indexOf(name);
    expect(rows).toHaveLength(1 + Object.keys(sold).length);
    const evil = rows.find((r) => r[col('sale_id')] === sold.evil)!;
    expect(evil[col('cashier_id')]).toBe(`'=HYPERLINK("http://evil")`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const eur = rows.find((r) => r[col('sale_id')] === sold.e)!;
    expect([eur[col('total_minor')], eur[col('total')], eur[col('currency')]]).toEqual([
      '1250',
      '12.50',
      'EUR',
    ]);
    const xof = rows.find((r) => r[col('sale_id')] === sold.late)!;
    expect(xof[col('total')]).toBe('5000');
  });
});

describe('daily takings (#19)', () => {
  it('sums by till, cashier, tender and currency, refunds netted, currencies apart', async () => {
    const res = await get<Takings>(`/offline/sales/takings?day=${DAY1}`, admin);
    expect(res.status).toBe(200);
    const row = (device: string, cashier: string, tender: string, currency: string) =>
      res.json.rows.find(
        (r) =>
          r.device_id === device &&
          r.cashier_id === cashier &&
          r.tender === tender &&
          r.currency === currency,
      );
    // Cash at till SN: awa 1180 + 1180 + 5000 taken; moussa gave 1180 back.
    expect(row(sn.id, 'awa', 'cash', 'XOF')).toMatchObject({
      sales_count: 3,
      sales_minor: '7360',
      refunds_count: 0,
      refunds_minor: '0',
      net_minor: '7360',
    });
    expect(row(sn.id, 'moussa', 'cash', 'XOF')).toMatchObject({
      sales_count: 0,
      refunds_count: 1,
      refunds_minor: '1180',
      net_minor: '-1180',
    });
    expect(row(sn.id, 'awa', 'card', 'XOF')).toMatchObject({ sales_minor: '1180', net_minor: '1180' });
    expect(row(fr.id, 'awa', 'cash', 'EUR')).toMatchObject({ sales_minor: '1250', net_minor: '1250' });
    expect(res.json.totals).toEqual([
      { currency: 'EUR', sales_minor: '1250', refunds_minor: '0', net_minor: '1250' },
      { currency: 'XOF', sales_minor: '8540', refunds_minor: '1180', net_minor: '7360' },
    ]);
    expect(res.json.not_counted).toEqual([]);
    // In Jakarta the 23:30 UTC sale is the next day's.
    const jakarta = await get<Takings>(
      `/offline/sales/takings?day=${DAY1}&tz=Asia/Jakarta&device_id=${sn.id}`,
    );
    expect(jakarta.json.totals).toEqual([
      { currency: 'XOF', sales_minor: '3540', refunds_minor: '1180', net_minor: '2360' },
    ]);
    expect(jakarta.json.from).toBe(new Date(Date.parse(`${DAY1}T00:00:00Z`) - 7 * 3_600_000).toISOString());
  });
});

describe('review queue and bundles (#19)', () => {
  const held: string[] = [];
  beforeAll(async () => {
    // Two sales above SN_POLICY's approval threshold without a manager: held for review.
    for (const price of [60_000, 70_000]) {
      const sale = sn.sale({ price, tax: 0, cash: price, cashierId: 'awa' });
      const res = await push(s, await sn.bundle([sale]));
      expect(res.body.status, JSON.stringify(res.body)).toBe('review');
      held.push(res.body.bundle_id);
    }
  });

  it('pages and filters the queue', async () => {
    const first = await get<ReviewPage>('/offline/review?limit=1');
    expect(first.status).toBe(200);
    expect(first.json.bundles.map((b) => b.bundle_id)).toEqual([held[0]]);
    const second = await get<ReviewPage>(`/offline/review?limit=1&cursor=${first.json.next_cursor}`);
    expect(second.json.bundles.map((b) => b.bundle_id)).toEqual([held[1]]);
    expect(second.json.next_cursor).toBeNull();
    const byReason = await get<ReviewPage>('/offline/review?reason=APPROVAL_MISSING&status=review');
    expect(byReason.json.bundles.map((b) => b.bundle_id)).toEqual(held);
    expect((await get<ReviewPage>('/offline/review?reason=DUPLICATE_QR')).json.bundles).toEqual([]);
    expect((await get<ReviewPage>(`/offline/review?device_id=${fr.id}`)).json.bundles).toEqual([]);
  });

  it('shows a bundle with its reasons and sales, then who decided and why', async () => {
    const before = await get<BundleDetail>(`/offline/sales/bundles/${held[0]}`);
    expect(before.status).toBe(200);
    expect(before.json.reasons.map((r) => r.code)).toContain('APPROVAL_MISSING');
    expect(before.json.sales).toHaveLength(1);
    expect(before.json.sales[0]).toMatchObject({ status: 'held', total_minor: 60_000, cashier_id: 'awa' });
    expect(before.json.review).toBeNull();
    // Held money is not takings, but it is shown.
    const day = before.json.sales[0]!.created_at.slice(0, 10);
    const takings = await get<Takings>(`/offline/sales/takings?day=${day}&device_id=${sn.id}`);
    expect(takings.json.not_counted).toEqual([
      { status: 'held', currency: 'XOF', count: 2, total_minor: '130000' },
    ]);

    const decided = await s.call('POST', `/offline/review/${held[0]}`, {
      token: ops,
      body: { decision: 'reject', note: 'Customer never paid' },
    });
    expect(decided.status).toBe(200);
    const after = await get<BundleDetail>(`/offline/sales/bundles/${held[0]}`);
    expect(after.json.status).toBe('rejected');
    expect(after.json.review).toMatchObject({
      by_email: 'sales-ops@example.com',
      note: 'Customer never paid',
    });
    expect(after.json.sales[0]!.status).toBe('rejected');
    const audit = await s.pool.query<{ details: { note: string } }>(
      `SELECT details FROM offline_audit_logs WHERE action = 'bundle.review_rejected' AND target_id = $1`,
      [held[0]],
    );
    expect(audit.rows.map((r) => r.details.note)).toEqual(['Customer never paid']);
    expect((await get<ReviewPage>('/offline/review')).json.bundles.map((b) => b.bundle_id)).toEqual([
      held[1],
    ]);
    expect((await get(`/offline/sales/bundles/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });
});

describe('ledger balance check (#19)', () => {
  const check = async () => {
    const res = await s.call('POST', '/offline/ledger/check', { token: ops });
    expect(res.status).toBe(200);
    return res.body as LedgerCheckResult;
  };

  it('finds the ledger balanced, then each planted fault by device and sale', async () => {
    const clean = await check();
    expect(clean).toMatchObject({
      balanced: true,
      unbalanced_sales: { count: 0 },
      entries_without_sale: { count: 0 },
      reconciled_without_entries: { count: 0 },
    });
    expect(clean.by_currency.map((c) => [c.currency, c.difference_minor])).toEqual([
      ['EUR', '0'],
      ['XOF', '0'],
    ]);
    const audit = await s.pool.query(
      `SELECT details FROM offline_audit_logs WHERE action = 'ledger.checked'`,
    );
    expect(audit.rows.at(-1)!.details).toMatchObject({ balanced: true });

    const { rows } = await s.pool.query<{ bundle_id: string }>(
      'SELECT bundle_id FROM ledger_entries WHERE sale_id = $1 LIMIT 1',
      [sold.b],
    );
    const bundle = rows[0]!.bundle_id;
    // One debit too many on sale b: its own legs and XOF no longer balance.
    await s.pool.query(
      `INSERT INTO ledger_entries (device_id, sale_id, bundle_id, leg, account, currency, debit_minor)
       VALUES ($3, $1, $2, 'planted', 'cash_drawer:x', 'XOF', 7)`,
      [sold.b, bundle, sn.id],
    );
    let found = await check();
    expect(found.balanced).toBe(false);
    expect(found.by_currency.find((c) => c.currency === 'XOF')?.difference_minor).toBe('7');
    expect(found.unbalanced_sales.sample).toEqual([{ device_id: sn.id, sale_id: sold.b }]);
    await s.pool.query(`DELETE FROM ledger_entries WHERE leg = 'planted'`);

    // Sale c's entries moved under another bundle: the server holds no such (bundle, sale).
    const other = (
      await s.pool.query<{ b: string }>(
        'SELECT bundle_id AS b FROM offline_transactions WHERE sale_id = $1',
        [sold.e],
      )
    ).rows[0]!.b;
    await s.pool.query('UPDATE ledger_entries SET bundle_id = $2 WHERE sale_id = $1', [sold.c, other]);
    found = await check();
    expect(found.balanced).toBe(false);
    expect(found.entries_without_sale.sample).toEqual([{ bundle_id: other, sale_id: sold.c }]);
    // …and the reconciled sale c now has no entries of its own.
    expect(found.reconciled_without_entries.sample).toEqual([{ device_id: sn.id, sale_id: sold.c }]);
    await s.pool.query('UPDATE ledger_entries SET bundle_id = $2 WHERE sale_id = $1', [sold.c, bundle]);
    expect((await check()).balanced).toBe(true);
  });
});

describe('malformed queries and roles (#19)', () => {
  it.each([
    ['/offline/sales?from=2026-02-30', 'VALIDATION_FAILED'],
    ['/offline/sales?from=yesterday', 'VALIDATION_FAILED'],
    ['/offline/sales?tz=Mars/Olympus', 'TIME_ZONE_UNKNOWN'],
    ['/offline/sales?tz=..%2F..%2Fetc', 'VALIDATION_FAILED'],
    [`/offline/sales?from=${DAY2}&to=${DAY1}`, 'RANGE_INVERTED'],
    ['/offline/sales?from=2024-01-01&to=2026-01-01', 'RANGE_TOO_LONG'],
    ['/offline/sales?min_minor=10&max_minor=5', 'RANGE_INVERTED'],
    ['/offline/sales?min_minor=-5', 'VALIDATION_FAILED'],
    ['/offline/sales?min_minor=99999999999999999999', 'VALIDATION_FAILED'],
    ['/offline/sales?limit=0', 'VALIDATION_FAILED'],
    ['/offline/sales?limit=201', 'VALIDATION_FAILED'],
    ['/offline/sales?limit=1&limit=2', 'VALIDATION_FAILED'],
    ['/offline/sales?status=lost', 'VALIDATION_FAILED'],
    ['/offline/sales?currency=ZZZ', 'VALIDATION_FAILED'],
    ['/offline/sales?sort=amount', 'VALIDATION_FAILED'],
    ['/offline/sales?cursor=not-a-cursor', 'CURSOR_INVALID'],
    [`/offline/sales?cursor=${Buffer.from('["1","x","y"]').toString('base64url')}`, 'CURSOR_INVALID'],
    [
      `/offline/sales?cursor=${Buffer.from('["1e400","POS-1","00000000-0000-4000-8000-000000000000"]').toString('base64url')}`,
      'CURSOR_INVALID',
    ],
    ['/offline/sales?device_id=%00', 'CONTROL_CHARACTERS'],
    ['/offline/sales/export?from=2026-01-01', 'VALIDATION_FAILED'],
    ['/offline/sales/export?from=2024-01-01&to=2026-01-01', 'RANGE_TOO_LONG'],
    ['/offline/sales/takings', 'VALIDATION_FAILED'],
    ['/offline/sales/takings?day=2026-13-01', 'VALIDATION_FAILED'],
    ['/offline/sales/takings?day=2026-01-01&tz=Nowhere', 'TIME_ZONE_UNKNOWN'],
    ['/offline/sales/bundles/nope', 'VALIDATION_FAILED'],
    ['/offline/review?limit=501', 'VALIDATION_FAILED'],
    ['/offline/review?reason=MADE_UP', 'VALIDATION_FAILED'],
    ['/offline/review?cursor=AAAA', 'CURSOR_INVALID'],
  ])('GET %s → 400 %s', async (path, code) => {
    const res = await s.call('GET', path, { token: ops });
    expect(res.status, res.text).toBe(400);
    expect(codeOf(res)).toBe(code);
  });

  const routes: [string, string][] = [
    ['GET', '/offline/sales'],
    ['GET', `/offline/sales/export?from=${DAY1}&to=${DAY1}`],
    ['GET', `/offline/sales/takings?day=${DAY1}`],
    ['GET', '/offline/sales/bundles/00000000-0000-4000-8000-000000000000'],
    ['GET', '/offline/review'],
    ['POST', '/offline/ledger/check'],
  ];
  it.each(routes)('%s %s: 403 for a teacher and a student, 401 for nobody', async (method, path) => {
    for (const token of [teacher, student]) {
      const res = await s.call(method, path, { token });
      expect(res.status, res.text).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN');
    }
    expect((await s.call(method, path)).status).toBe(401);
  });
});
