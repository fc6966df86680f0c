import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Takings } from '../../protocol/http';
import { formatMoney } from '../../protocol/money';
import { readCsv } from '../catalog/csv';
import { enrollTerminal, push, SN_POLICY, type Terminal } from '../payments/test-support';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * Values a till signs, read back by the back office (#16, red-team pass 10 L-2 and S-1), against
 * the real server and PostgreSQL: absurd totals must not turn a day's takings into a 500, and a
 * cashier id must not become a spreadsheet formula in the sales export, also for a spreadsheet
 * whose list separator is `;`.
 */

let s: TestServer;
let admin: string;
let till: Terminal;
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('untrusted-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
  till = await enrollTerminal(s, admin, { tenantId: 'shop-untrusted' });
});
afterAll(async () => {
  await s?.close();
});

describe('takings of absurd totals (L-2)', () => {
  it('answers a day whose held sales sum past 2^53 − 1, exactly, as decimal text', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const createdAt = new Date(`${yesterday}T10:00:00Z`);
    const sales = [0, 1].map((i) =>
      till.sale({ price: max, tax: 0, cash: max, createdAt: new Date(createdAt.getTime() + i * 60_000) }),
    );
    const pushed = await push(s, await till.bundle(sales));
    expect(pushed.status).toBe(200);
    expect(pushed.body.status).toBe('quarantined');

    for (const tz of ['UTC', 'Africa/Dakar']) {
      const res = await s.call('GET', `/offline/sales/takings?day=${yesterday}&tz=${tz}`, { token: admin });
      expect(res.status, res.text).toBe(200);
      const takings = res.body as Takings;
      expect(takings.not_counted).toEqual([
        { status: 'held', currency: 'XOF', count: 2, total_minor: (2n * BigInt(max)).toString() },
      ]);
      // The console formats it to the last digit.
      expect(formatMoney(takings.not_counted[0]!.total_minor, 'XOF', 'en')).toContain(
        '18,014,398,509,481,982',
      );
    }
  });
});

/** A cell a spreadsheet would run: `=`, `+`, `-`, `@` after blanks, quotes or separators; tab, CR. */
const RUNS = /^[\s"';,\u200B\uFEFF]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;

/** The cells a spreadsheet splitting lines on `;` sees start a cell (all but each line's first). */
const semicolonCellStarts = (csv: string) => csv.split(/\r\n/).flatMap((line) => line.split(';').slice(1));

describe('the sales export of formula-like cashier ids (S-1)', () => {
  it('writes no cell that runs, read with `,` or with `;` as the separator, and keeps the text', async () => {
    // What the till signed, and the cell a spreadsheet shows (as text, behind a `'`).
    const evil: [string, string][] = [
      [';=1+1', "';'=1+1"],
      ['; =1+1', "';' =1+1"],
      [',=1+1', "',=1+1"],
      ['" =1+1', `'" =1+1`],
      ['\u00a0=1+1', "'\u00a0=1+1"],
      ['\uff1d1+1', "'\uff1d1+1"],
      ['a;-1+1', "a;'-1+1"],
      ['x;@SUM(A1)', "x;'@SUM(A1)"],
    ];
    const sales = evil.map(([cashierId]) => till.sale({ cashierId, cash: 1180 }));
    const pushed = await push(s, await till.bundle(sales));
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);

    const today = new Date().toISOString().slice(0, 10);
    const res = await s.call('GET', `/offline/sales/export?from=${today}&to=${today}`, { token: admin });
    expect(res.status).toBe(200);
    const rows = readCsv(res.text).map((r) => r.fields);
    const col = rows[0]!.indexOf('cashier_id');
    const cashiers = rows.slice(1).map((r) => r[col]!);
    expect(cashiers).toHaveLength(evil.length);
    for (const cell of rows.flat()) expect(cell.startsWith("'") || !RUNS.test(cell), cell).toBe(true);
    for (const start of semicolonCellStarts(res.text))
      expect(start.startsWith("'") || !RUNS.test(start), start).toBe(true);
    expect(cashiers.sort()).toEqual(evil.map(([, shown]) => shown).sort());
  });
});
