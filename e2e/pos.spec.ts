import { expect, test } from '@playwright/test';
import { enrollAndOpenShift as enroll, scan, searchBox, usePosWorld } from './pos-fixtures';
import { runWorkerOnce } from './processes';

/**
 * The till end to end: the browser host's core, enrolled against the real server on PostgreSQL,
 * sells from the keyboard, syncs, and is refused in words when the country's policy says no.
 */
const world = usePosWorld();
const enrollAndOpenShift = (page: Parameters<typeof enroll>[0]) => enroll(page, world);

test('a cashier scans, searches, pays cash with change, and the sale reaches the server', async ({
  page,
}) => {
  await enrollAndOpenShift(page);
  const search = searchBox(page);
  await expect(search).toBeFocused();

  await scan(page, '6001234567890');
  await expect(page.getByTestId('line-rice-1kg')).toContainText('Riz parfumé 1kg');
  await expect(search).toBeFocused();

  // By name, Enter takes the first match.
  await search.pressSequentially('huile');
  await expect(page.getByRole('option', { name: /Huile 1L/ })).toBeVisible();
  await search.press('Enter');
  await expect(page.getByTestId('line-oil-1l')).toBeVisible();

  // Two matches: the arrow key picks the second.
  await search.pressSequentially('1kg');
  await expect(page.getByRole('option')).toHaveCount(2);
  await search.press('ArrowDown');
  await expect(page.getByRole('option', { name: /Sucre/ })).toHaveAttribute('aria-selected', 'true');
  await search.press('Enter');
  await expect(page.getByTestId('line-sugar-1kg')).toBeVisible();

  // An unknown barcode is said in words and adds nothing.
  await scan(page, '99999999', { added: false });
  await expect(page.getByRole('alert')).toHaveText('No product has the barcode 99999999.');

  await page.getByRole('button', { name: 'One more Riz parfumé 1kg' }).click();
  await expect(page.getByTestId('line-rice-1kg').getByTestId('qty')).toHaveText('2');
  // 2 × 1 000 + 18 % = 2 360; 1 500 + 18 % = 1 770; 750 with no tax: 4 880.
  await expect(page.getByTestId('cart-total')).toHaveText(/4,880/);

  await page.getByLabel('Cash tendered').fill('5000');
  await expect(page.getByTestId('change-due')).toHaveText(/120$/);
  await page.getByLabel('Cash tendered').press('F9');

  const receipt = page.getByTestId('receipt');
  await expect(receipt).toBeVisible();
  await expect(page.getByTestId('receipt-number')).toContainText('Sale no. 1');
  await expect(page.getByTestId('receipt-total')).toHaveText(/4,880/);
  await expect(page.getByTestId('receipt-change')).toHaveText(/120$/);
  await expect(receipt).toContainText('Sucre 1kg');
  await expect(page.getByTestId('receipt-mode')).toHaveText('Recorded online');
  await expect(page.getByTestId('cart')).toHaveCount(0);
  await expect(search).toBeFocused();

  // The sale goes to the server and comes back accepted, then reconciled by the worker.
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('count-accepted')).toHaveText('1');
  await expect(page.getByTestId('count-pending')).toHaveText('0');
  await runWorkerOnce(world.server);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('count-reconciled')).toHaveText('1');
  await expect(page.getByTestId('pending-banner')).toHaveCount(0);

  await page.getByRole('link', { name: 'Sale' }).click();
  await expect(page.getByTestId('sale-1').getByTestId('sale-status')).toHaveText('Reconciled');

  // Closing the shift: the Z-report counts the float plus the cash kept.
  await page.getByRole('button', { name: 'Close shift' }).click();
  await page.getByLabel('Cash counted in the drawer').fill('14880');
  await page.getByRole('button', { name: 'Close shift and print Z-report' }).click();
  await expect(page.getByTestId('z-expected')).toHaveText(/14,880/);
  await expect(page.getByTestId('z-difference')).toHaveText(/0$/);
  await expect(page.getByRole('button', { name: 'Open shift' })).toBeVisible();
});

test('offline, a sale above the policy’s maximum is refused with the reason', async ({ page }) => {
  await enrollAndOpenShift(page);
  // Online the till would ask the server to authorise it (issue #18, item 7: pos-online-limit.spec.ts).
  await world.stopServer();
  await expect(page.getByTestId('server-reachability')).toHaveText('Offline');
  await scan(page, '6001234567920');
  await expect(page.getByTestId('cart-total')).toHaveText(/29,500/);
  await page.getByRole('button', { name: 'Exact amount' }).click();
  await expect(page.getByTestId('change-due')).toHaveText(/0$/);
  await page.getByRole('button', { name: /^Pay/ }).click();
  await expect(page.getByTestId('pay-error')).toHaveText(
    /above the maximum allowed for one sale.*this sale: .*29,500.*limit: .*20,000/,
  );
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await expect(page.getByTestId('line-tv-32')).toBeVisible();
});

test('with the server gone the till keeps selling, shows what waits, and catches up', async ({ page }) => {
  await enrollAndOpenShift(page);
  await world.stopServer();
  await expect(page.getByTestId('server-reachability')).toHaveText('Offline');

  await scan(page, '6001234567906');
  await page.getByLabel('Cash tendered').fill('2000');
  await page.getByLabel('Cash tendered').press('Control+Enter');
  await expect(page.getByTestId('receipt-mode')).toHaveText(/Recorded offline/);

  const banner = page.getByRole('region', { name: 'Sales waiting to be sent' });
  await expect(banner).toContainText('1 sale waiting to be sent');
  await expect(banner).toContainText(/1,770/);
  await expect(banner).toContainText(/must reach the server within 7[01] h \d+ min/);

  await world.restartServer();
  // The terminal probes less often the longer the server stays away (at most every 30 s).
  await expect(page.getByTestId('server-reachability')).toHaveText('Server online', { timeout: 60_000 });
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('count-accepted')).toHaveText('1');
  await expect(banner).toHaveCount(0);
});
