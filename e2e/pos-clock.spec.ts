import { expect, test, type Page } from '@playwright/test';
import { BARCODE, enrollAndOpenShift, scan, serverSql, tabTo, usePosWorld } from './pos-fixtures';

/**
 * Issue #18 item 8's story: a till whose OS clock is two hours ahead from the start (as a machine
 * set to the wrong time zone is). It enrolls, sells from the keyboard, warns in the status bar,
 * its sales are accepted by the real server stamped with the server's time, and it is never blocked.
 */
const TWO_HOURS = 2 * 3_600_000;
const world = usePosWorld({ clockOffsetMs: TWO_HOURS });

/** Cash typed from the keyboard, then F9; answers the receipt's sale number. */
async function payCash(page: Page, amount: string): Promise<number> {
  await tabTo(page, page.getByLabel('Cash tendered'));
  await page.keyboard.type(amount);
  await page.keyboard.press('F9');
  const seq = Number(
    /Sale no\. (\d+)/.exec((await page.getByTestId('receipt-number').textContent()) ?? '')?.[1],
  );
  expect(seq).toBeGreaterThan(0);
  return seq;
}

test('a till whose clock is two hours off sells, warns, syncs and is never blocked', async ({ page }) => {
  await enrollAndOpenShift(page, world);

  const warning = page.getByTestId('clock-warning');
  await expect(warning).toHaveText(/clock is off by 120 min: sales use the server’s time/);

  const sold: number[] = [];
  await scan(page, BARCODE.rice);
  sold.push(await payCash(page, '1180'));
  await scan(page, BARCODE.sugar);
  sold.push(await payCash(page, '1000'));
  await expect(page.getByTestId('receipt-change')).toHaveText(/250$/);
  for (const seq of sold)
    await expect(page.getByTestId(`sale-${seq}`).getByTestId('sale-status')).toHaveAttribute(
      'data-status',
      'accepted',
    );
  await page.screenshot({ path: test.info().outputPath('till-clock-off.png'), fullPage: true });

  // The Sync screen: everything went, nothing was refused.
  await tabTo(page, page.getByRole('link', { name: 'Sync' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByRole('button', { name: 'Sync now' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('count-accepted')).toHaveText('2');
  for (const other of ['pending', 'pushed', 'review', 'quarantined', 'rejected'])
    await expect(page.getByTestId(`count-${other}`)).toHaveText('0');
  await expect(warning).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('sync-clock-off.png'), fullPage: true });

  // The server holds both, stamped with its own time, not the till's two hours ahead.
  const held = await serverSql<{ seq: string; ahead_ms: string }>(
    world.server,
    `SELECT seq, extract(epoch FROM created_at - now()) * 1000 AS ahead_ms
       FROM offline_transactions ORDER BY seq`,
  );
  expect(held.map((r) => Number(r.seq))).toEqual(sold);
  for (const row of held) expect(Number(row.ahead_ms)).toBeLessThan(TWO_HOURS / 2);

  // Still selling after the sync.
  await tabTo(page, page.getByRole('link', { name: 'Sale' }));
  await page.keyboard.press('Enter');
  await scan(page, BARCODE.oil);
  await payCash(page, '1770');
  await expect(page.getByTestId('receipt-total')).toHaveText(/1,770/);
});
