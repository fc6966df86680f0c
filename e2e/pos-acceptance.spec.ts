import { expect, test, type Page } from '@playwright/test';
import { BARCODE, enrollAndOpenShift, scan, serverSql, tillDeviceId, usePosWorld } from './pos-fixtures';
import { runWorkerOnce } from './processes';

/**
 * Issue 4's acceptance story, in one go, with nothing standing in: the browser host's core, the
 * real server, real PostgreSQL and the reconciliation worker as `npm run worker -- --once`.
 */
const world = usePosWorld();

/** Pays the cart in cash from the keyboard and waits for the receipt; answers its sale number. */
async function payCash(page: Page, tendered: string, mode: 'online' | 'offline'): Promise<number> {
  await page.getByLabel('Cash tendered').fill(tendered);
  await page.getByLabel('Cash tendered').press('Control+Enter');
  await expect(page.getByTestId('receipt-mode')).toHaveAttribute('data-online', String(mode === 'online'));
  const number = await page.getByTestId('receipt-number').textContent();
  const seq = Number(/Sale no\. (\d+)/.exec(number ?? '')?.[1]);
  expect(seq).toBeGreaterThan(0);
  return seq;
}

test('online, cut off, a refusal, back online: every sale reconciled and the ledger balances', async ({
  page,
}) => {
  // Two server starts, a worker run and every wait of the story: more than the usual allowance.
  test.setTimeout(300_000);
  await enrollAndOpenShift(page, world);
  const deviceId = await tillDeviceId(page);

  // Online: 1 000 + 18 % = 1 180, pushed at once and accepted.
  await scan(page, BARCODE.rice);
  await expect(page.getByTestId('cart-total')).toHaveText(/1,180/);
  const captured: { seq: number; total: number }[] = [];
  captured.push({ seq: await payCash(page, '1180', 'online'), total: 1180 });
  await expect(page.getByTestId(`sale-${captured[0]!.seq}`).getByTestId('sale-status')).toHaveAttribute(
    'data-status',
    'accepted',
  );

  // The network goes.
  await world.stopServer();
  await expect(page.getByTestId('server-reachability')).toHaveText('Offline');

  // Offline: 1 500 + 18 % = 1 770, with change.
  await scan(page, BARCODE.oil);
  captured.push({ seq: await payCash(page, '2000', 'offline'), total: 1770 });
  await expect(page.getByTestId('receipt-change')).toHaveText(/230$/);

  // Above the policy's 20 000 per sale: refused in words, nothing recorded, the cart kept.
  await scan(page, BARCODE.tv);
  await page.getByRole('button', { name: 'Exact amount' }).click();
  await page.getByRole('button', { name: /^Pay/ }).click();
  await expect(page.getByTestId('pay-error')).toHaveText(
    /above the maximum allowed for one sale.*this sale: .*29,500.*limit: .*20,000/,
  );
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear cart' }).click();

  // Offline again: two bags of sugar, no tax.
  await scan(page, BARCODE.sugar);
  await scan(page, BARCODE.sugar);
  await expect(page.getByTestId('cart-total')).toHaveText(/1,500/);
  captured.push({ seq: await payCash(page, '1500', 'offline'), total: 1500 });

  const banner = page.getByRole('region', { name: 'Sales waiting to be sent' });
  await expect(banner).toContainText('2 sales waiting to be sent');
  await expect(banner).toContainText(/3,270/);

  // The network returns: the same server, port and database.
  await world.restartServer();
  // The terminal probes less often the longer the server stays away (at most every 30 s).
  await expect(page.getByTestId('server-reachability')).toHaveText('Server online', { timeout: 60_000 });
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('count-pending')).toHaveText('0');
  await expect(page.getByTestId('count-pushed')).toHaveText('0');
  await expect(page.getByTestId('count-accepted')).toHaveText('3');

  await runWorkerOnce(world.server);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('count-reconciled')).toHaveText('3');
  for (const other of ['pending', 'pushed', 'accepted', 'review', 'quarantined', 'rejected'])
    await expect(page.getByTestId(`count-${other}`)).toHaveText('0');
  await expect(banner).toHaveCount(0);

  // The server holds exactly the sales the cashier was given receipts for, all reconciled.
  const held = await serverSql<{ seq: string; total_minor: string; status: string }>(
    world.server,
    'SELECT seq, total_minor, status FROM offline_transactions WHERE device_id = $1 ORDER BY seq',
    [deviceId],
  );
  expect(held.map((r) => ({ seq: Number(r.seq), total: Number(r.total_minor), status: r.status }))).toEqual(
    captured.map((c) => ({ ...c, status: 'reconciled' })),
  );

  // The ledger balances per currency…
  const perCurrency = await serverSql<{ currency: string; debits: string; credits: string }>(
    world.server,
    'SELECT currency, sum(debit_minor) AS debits, sum(credit_minor) AS credits FROM ledger_entries GROUP BY currency',
  );
  expect(perCurrency).toEqual([{ currency: 'XOF', debits: '4450', credits: '4450' }]);

  // …and every captured sale is posted exactly once: each leg once, balanced, for its total.
  const perSale = await serverSql<{
    seq: string;
    rows: string;
    legs: string;
    debits: string;
    credits: string;
  }>(
    world.server,
    `SELECT t.seq, count(l.id) AS rows, count(DISTINCT l.leg) AS legs,
            coalesce(sum(l.debit_minor), 0) AS debits, coalesce(sum(l.credit_minor), 0) AS credits
       FROM offline_transactions t LEFT JOIN ledger_entries l ON l.sale_id = t.sale_id
      WHERE t.device_id = $1 GROUP BY t.seq ORDER BY t.seq`,
    [deviceId],
  );
  expect(perSale).toHaveLength(captured.length);
  for (const [i, row] of perSale.entries()) {
    expect(Number(row.rows)).toBeGreaterThan(0);
    expect(row.rows).toBe(row.legs);
    expect(Number(row.debits)).toBe(captured[i]!.total);
    expect(Number(row.credits)).toBe(captured[i]!.total);
  }
  const orphans = await serverSql<{ n: string }>(
    world.server,
    `SELECT count(*) AS n FROM ledger_entries l
      WHERE NOT EXISTS (SELECT 1 FROM offline_transactions t WHERE t.sale_id = l.sale_id AND t.device_id = $1)`,
    [deviceId],
  );
  expect(orphans).toEqual([{ n: '0' }]);
});
