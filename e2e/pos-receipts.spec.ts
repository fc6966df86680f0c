import { expect, test, type Page } from '@playwright/test';
import { demoClient } from './demo-client';
import { BARCODE, enrollAndOpenShift, scan, usePosWorld } from './pos-fixtures';

/**
 * Issue 18's receipts and refunds, keyboard only, on demo hardware (the byte-exact ESC/POS
 * simulator): nine sales in a row print nine receipts, a partial refund of one line shows the
 * amount before it is confirmed and prints a refund receipt, the X-report prints mid-shift, and the
 * Z-report prints.
 */
const world = usePosWorld();

type LastPrint = { jobId: string | null; picture: { lines: string[] } | null; jobs: number; bytes: number };

/** Pays the cart in cash from the keyboard; waits until its receipt has printed. */
async function payCashAndPrint(page: Page, tendered: string): Promise<void> {
  await page.getByLabel('Cash tendered').fill(tendered);
  await page.getByLabel('Cash tendered').press('Control+Enter');
  await expect(page.getByTestId('receipt-print')).toHaveAttribute('data-state', 'printed');
}

test('nine sales print nine receipts; a partial refund of one line; the Z-report prints', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  await enrollAndOpenShift(page, world);

  // Settings: demo hardware on (its printer is the ESC/POS simulator) and the shop's receipt header.
  await page.getByRole('link', { name: 'Settings' }).click();
  const demoSwitch = page.getByTestId('hardware').getByLabel(/Demo hardware/);
  await demoSwitch.press('Space');
  await expect(demoSwitch).toBeChecked();
  await expect(page.getByTestId('hardware-status-printer')).toHaveAttribute('data-state', 'connected');
  await page.getByLabel('Shop name').fill('Boutique Awa');
  await page.getByLabel('Shop address').fill('Marché Sandaga, Dakar');
  await page.getByLabel('Tax ID', { exact: true }).fill('NINEA 0012345');
  await page.getByLabel('Tax ID', { exact: true }).press('Enter');
  await expect(page.getByText('Saved.', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: 'Sale' }).press('Enter');

  const demo = await demoClient(world.host.url);
  try {
    // Nine sales in a row, each scanned and paid from the keyboard: nine receipts come out.
    for (let n = 1; n <= 9; n++) {
      await scan(page, BARCODE.sugar);
      await payCashAndPrint(page, '1000');
      await expect(page.getByTestId('receipt-number')).toContainText(`Sale no. ${n}`);
    }
    const afterNine = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(afterNine.jobs).toBe(9);
    expect(afterNine.jobId).toMatch(/^sale:[0-9a-f-]{36}:1$/);
    const ninth = afterNine.picture?.lines ?? [];
    expect(ninth.slice(0, 5)).toEqual([
      'Boutique Awa',
      'Marché Sandaga, Dakar',
      'Tax ID NINEA 0012345',
      'Till 1',
      'Sale no. 9',
    ]);
    // Amounts on paper as on screen for the language (English: "F CFA 750").
    expect(ninth.some((l) => /^Sucre 1kg +F CFA 750$/.test(l))).toBe(true);

    // A sale of two lines, then a refund of one bag of rice out of two.
    await scan(page, BARCODE.rice);
    await scan(page, BARCODE.rice);
    await scan(page, BARCODE.sugar);
    await expect(page.getByTestId('cart-total')).toHaveText(/3,110/);
    await payCashAndPrint(page, '5000');
    await expect(page.getByTestId('receipt-number')).toContainText('Sale no. 10');
    const row = page.getByTestId('sale-10');
    await row.getByRole('button', { name: 'Refund sale no. 10' }).press('Enter');
    const form = page.getByTestId('refund-form');
    const rice = form.getByLabel(/Quantity to refund: Riz parfumé 1kg/);
    await expect(rice).toBeFocused();
    await rice.fill('1');
    await form.getByLabel('Reason').fill('Sac percé');
    // The amount, and where it goes, before anything is recorded.
    await expect(form.getByTestId('refund-amount')).toContainText(/To give back: F.CFA.1,180/);
    await expect(form.getByTestId('refund-amount')).toContainText(/F.CFA.1,180 in cash/);
    await expect(page.getByTestId('sale-11')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('refund-before-confirm.png') });
    await form.getByLabel('Reason').press('Enter');
    await expect(page.getByText(/^Refund no\. 11 recorded: give back F.CFA.1,180\.$/)).toBeVisible();
    const refundReceipt = page.getByRole('region', { name: 'Refund receipt' });
    await expect(refundReceipt.getByTestId('receipt-print')).toHaveAttribute('data-state', 'printed');
    const refundPrint = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(refundPrint.jobs).toBe(11);
    expect(refundPrint.picture?.lines).toContain('Refund no. 11');
    expect(refundPrint.picture?.lines.some((l) => /^TOTAL +-F CFA 1,180$/.test(l))).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('refund-printed.png') });

    // The same line again: one bag is left, so the field stops at one.
    await row.getByRole('button', { name: 'Refund sale no. 10' }).press('Enter');
    await expect(form.getByText('1 of 2 left')).toBeVisible();
    await form.getByRole('button', { name: 'Cancel' }).press('Enter');

    // A reprint from recent sales: one more copy, marked as one.
    await page.getByTestId('sale-9').getByRole('button', { name: 'Reprint receipt no. 9' }).press('Enter');
    await expect.poll(async () => (await demo.call<LastPrint>('hardware.demo.lastPrint')).jobs).toBe(12);
    const copy = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(copy.jobId).toMatch(/^sale:[0-9a-f-]{36}:2$/);
    expect(copy.picture?.lines).toContain('COPY');

    // Mid-shift, the X-report prints on demand under its own heading; the shift stays open.
    await page.getByRole('button', { name: 'X-report', exact: true }).press('Enter');
    const xReport = page.getByTestId('x-report');
    await xReport.getByRole('button', { name: 'Print the X-report' }).press('Enter');
    await expect(xReport.getByTestId('x-print')).toHaveAttribute('data-state', 'printed');
    const x = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(x.jobs).toBe(13);
    expect(x.jobId).toMatch(/^x:[0-9a-f-]{36}:/);
    expect(x.picture?.lines).toContain('X REPORT - mid-shift, shift still open');
    expect(x.picture?.lines.some((l) => /^Sales \(10\) +F CFA 9,860$/.test(l))).toBe(true);
    expect(x.picture?.lines.some((l) => /^Awa Ndiaye Sales \(10\) +F CFA 9,860$/.test(l))).toBe(true);
    expect(x.picture?.lines.some((l) => l.startsWith('Cash counted'))).toBe(false);
    await page.screenshot({ path: testInfo.outputPath('x-report.png'), fullPage: true });
    await page.getByRole('button', { name: 'Close', exact: true }).press('Enter');
    await expect(xReport).toHaveCount(0);

    // Closing the shift prints the Z-report.
    await page.getByRole('button', { name: 'Close shift' }).press('Enter');
    await page.getByLabel('Cash counted in the drawer').fill('18680');
    await page.getByLabel('Cash counted in the drawer').press('Enter');
    await expect(page.getByTestId('z-print')).toHaveAttribute('data-state', 'printed');
    const z = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(z.jobs).toBe(14);
    expect(z.jobId).toMatch(/^z:[0-9a-f-]{36}:1$/);
    expect(z.picture?.lines).toContain('Z REPORT - end of shift');
    expect(z.picture?.lines.some((l) => /^Sales \(10\) +F CFA 9,860$/.test(l))).toBe(true);
    expect(z.picture?.lines.some((l) => /^Refunds \(1\) +F CFA 1,180$/.test(l))).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('z-report.png'), fullPage: true });
  } finally {
    demo.close();
  }
});
