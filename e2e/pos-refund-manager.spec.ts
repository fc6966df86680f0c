import { expect, test, type Locator, type Page } from '@playwright/test';
import { demoClient } from './demo-client';
import { BARCODE, enrollAndOpenShift, registerWallet, scan, tabTo, usePosWorld } from './pos-fixtures';

/**
 * Issue #18, a refund that needs a manager, keyboard only: a sale paid by QR can only be given back
 * in cash, which the core refuses (REFUND_NEEDS_MANAGER) since that cash never came into the
 * drawer. The refund screen offers the manager's approval as the till does for a sale; a wrong PIN
 * is refused, the right one records the refund and its receipt prints.
 */
const world = usePosWorld();

type LastPrint = { picture: { lines: string[] } | null; jobs: number };

/**
 * Text typed into the focused field at the keyboard's full speed, faster than any hand: in the
 * manager's dialog (ID, PIN, reason) and the refund's reason, where the scanner detection leaves
 * fast typing to the cashier (#18), it lands in the field instead of being taken for a scan.
 */
async function typeInto(within: Page | Locator, label: string, text: string): Promise<void> {
  const field = within.getByLabel(label, { exact: true });
  await expect(field).toBeFocused();
  await field.page().keyboard.type(text);
  await expect(field).toHaveValue(text);
}

test('a QR-paid sale refunded in cash: refused, a manager approves, the refund is recorded and prints', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await enrollAndOpenShift(page, world);
  const customerQr = await registerWallet(world);

  // Set-up in Settings: demo hardware (its printer is the ESC/POS simulator).
  await page.getByRole('link', { name: 'Settings' }).click();
  const demoSwitch = page.getByTestId('hardware').getByLabel(/Demo hardware/);
  await demoSwitch.press('Space');
  await expect(page.getByTestId('hardware-status-printer')).toHaveAttribute('data-state', 'connected');
  await page.getByRole('link', { name: 'Sale' }).press('Enter');

  // From here the keyboard only: the manager (signed in since the till's first use) sells 2 x rice
  // (2,360) paid by QR.
  await expect(page.getByTestId('cashier-name')).toHaveText('Cashier: Awa Ndiaye');
  await scan(page, BARCODE.rice);
  await scan(page, BARCODE.rice);
  await expect(page.getByTestId('cart-total')).toHaveText(/2,360/);
  await page.keyboard.press('F7');
  const qrField = page.getByLabel('Scan or paste the customer’s payment QR');
  const token = customerQr(2360, 'wave:tx-9001');
  await expect(qrField).toBeFocused();
  // A QR reader types the token, as a keyboard does.
  await page.keyboard.insertText(token);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('qr-accepted')).toHaveText(/2,360.*paid by QR/);
  await page.keyboard.press('F9');
  await expect(page.getByTestId('receipt-total')).toHaveText(/2,360/);

  const demo = await demoClient(world.host.url);
  try {
    await expect.poll(async () => (await demo.call<LastPrint>('hardware.demo.lastPrint')).jobs).toBe(1);

    // One bag back: QR cannot receive money, so it goes back in cash, shown before confirming.
    await tabTo(page, page.getByRole('button', { name: 'Refund sale no. 1' }));
    await page.keyboard.press('Enter');
    const form = page.getByTestId('refund-form');
    const quantity = form.getByLabel(/Quantity to refund: Riz parfumé 1kg/);
    await expect(quantity).toBeFocused();
    await quantity.fill('1');
    await page.keyboard.press('Tab');
    await typeInto(form, 'Reason', 'Sac percé');
    await expect(form.getByTestId('refund-amount')).toContainText(/F.CFA.1,180 in cash/);
    await page.keyboard.press('Enter');

    // Refused without a manager: the approval is offered, the focus on the manager's ID.
    const dialog = page.getByRole('dialog', { name: 'Manager approval' });
    await expect(dialog).toContainText(
      'This sale was not paid in cash: giving it back in cash needs a manager’s approval.',
    );
    await expect(dialog).toContainText('A manager can approve this refund with their PIN.');
    await expect(page.getByText(/^Refund no\. \d+ recorded/)).toHaveCount(0);
    await typeInto(dialog, 'Manager ID', 'awa');
    await page.keyboard.press('Tab');
    await typeInto(dialog, 'PIN', '0000');
    await page.keyboard.press('Tab');
    await typeInto(dialog, 'Reason', 'Client payé par Wave');
    await page.keyboard.press('Enter');
    await expect(dialog.getByRole('alert')).toHaveText('That manager ID and PIN do not match.');
    await expect(page.getByTestId('sale-2')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('refund-needs-manager.png') });

    // The right PIN: the refund is recorded and its receipt prints.
    await tabTo(page, dialog.getByLabel('PIN', { exact: true }));
    await typeInto(dialog, 'PIN', '4821');
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByText(/^Refund no\. 2 recorded: give back F.CFA.1,180\.$/)).toBeVisible();
    const refundReceipt = page.getByRole('region', { name: 'Refund receipt' });
    await expect(refundReceipt.getByTestId('receipt-print')).toHaveAttribute('data-state', 'printed');
    const printed = await demo.call<LastPrint>('hardware.demo.lastPrint');
    expect(printed.jobs).toBe(2);
    expect(printed.picture?.lines).toContain('Refund no. 2');
    // The paper names who gave it back and the manager who approved it.
    expect(printed.picture?.lines).toContain('Cashier: Awa Ndiaye');
    expect(printed.picture?.lines).toContain('Approved by: Awa Ndiaye');
    expect(printed.picture?.lines.some((l) => /^TOTAL +-F CFA 1,180$/.test(l))).toBe(true);
    await page.screenshot({ path: testInfo.outputPath('refund-approved-printed.png'), fullPage: true });
  } finally {
    demo.close();
  }
});
