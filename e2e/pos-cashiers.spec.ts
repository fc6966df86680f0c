import { expect, test, type Page } from '@playwright/test';
import {
  BARCODE,
  confirmDrawer,
  enrollAndOpenShift,
  MANAGER,
  saveCashier,
  scan,
  signIn,
  tabTo,
  usePosWorld,
} from './pos-fixtures';

/**
 * Issue #18 at the till, from the keyboard: an absurd cash amount (the reported scan typed into
 * "Cash tendered" and F9) is refused with a clear message; two cashiers sign in on one shift, each
 * sells, and the Z-report shows each one's sales. The till starts fresh (no account): its first use
 * creates the manager, Awa (enrollAndOpenShift), so every sale is attributed.
 */
const world = usePosWorld();

/** Cash typed from the keyboard, then F9. */
async function payCash(page: Page, amount: string): Promise<void> {
  await tabTo(page, page.getByLabel('Cash tendered'));
  await page.keyboard.type(amount);
  await page.keyboard.press('F9');
}

test('an absurd cash amount is refused with a clear message; a large change asks for a confirmation', async ({
  page,
}) => {
  await enrollAndOpenShift(page, world);
  await scan(page, BARCODE.rice);
  await expect(page.getByTestId('cart-total')).toHaveText(/1,180/);

  // The reported accident: a barcode's digits in the cash field, then F9.
  await payCash(page, '6001234000068');
  await expect(page.getByTestId('pay-error')).toHaveText(
    'That cash amount cannot be right (was a barcode typed into the cash field?). Type the amount the customer handed over.',
  );
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('absurd-cash-refused.png') });

  // 20,000 for 1,180: 18,820 change is above the 15,000 approval threshold, so the cashier checks it.
  await page.getByLabel('Cash tendered').press('Control+a');
  await page.keyboard.type('20000');
  await page.keyboard.press('F9');
  const confirm = page.getByRole('dialog', { name: 'Check the cash' });
  await expect(confirm).toContainText('Change to give back:');
  await expect(confirm).toContainText('18,820');
  // The focus starts on "Correct the amount": a habitual Enter does not record it.
  await expect(confirm.getByRole('button', { name: 'Correct the amount' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('receipt-total')).toHaveText(/1,180/);
});

test('two cashiers on one shift, each attributed on the Z-report', async ({ page }) => {
  await enrollAndOpenShift(page, world);

  // Awa, the till's first manager (created on the fresh till), adds Bob in Settings with her PIN.
  await page.getByRole('link', { name: 'Settings' }).click();
  await saveCashier(page, { id: 'bob', name: 'Bob Diallo', role: 'Cashier', pin: '1357' }, [
    MANAGER.id,
    MANAGER.pin,
  ]);

  // From here the keyboard only. Awa locks the till; a wrong PIN is refused.
  await page.getByRole('link', { name: 'Sale' }).click();
  await tabTo(page, page.getByRole('button', { name: 'Lock / switch cashier' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cashier-sign-in').getByLabel('Cashier ID')).toBeFocused();
  await page.keyboard.type('bob');
  await page.keyboard.press('Tab');
  await page.keyboard.type('0000');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cashier-sign-in').getByRole('alert')).toHaveText(
    'That cashier and PIN do not match.',
  );
  // The PIN box was emptied and keeps the focus.
  await expect(page.getByTestId('cashier-sign-in').getByLabel('PIN')).toBeFocused();
  await page.keyboard.type('1357');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cashier-name')).toHaveText('Cashier: Bob Diallo');

  await scan(page, BARCODE.rice);
  await payCash(page, '2000');
  await expect(page.getByTestId('receipt-total')).toHaveText(/1,180/);
  await expect(page.getByTestId('receipt-cashier')).toHaveText('Cashier: Bob Diallo');

  // Bob locks the till; Awa signs in on the same shift and sells.
  await tabTo(page, page.getByRole('button', { name: 'Lock / switch cashier' }));
  await page.keyboard.press('Enter');
  await signIn(page, MANAGER.id, MANAGER.pin);
  await expect(page.getByTestId('cashier-name')).toHaveText('Cashier: Awa Ndiaye');
  await scan(page, BARCODE.oil);
  await scan(page, BARCODE.oil);
  await payCash(page, '5000');
  await expect(page.getByTestId('receipt-total')).toHaveText(/3,540/);

  // A paid-out of 500 for bags, read back (amount and reason) before it is recorded.
  await tabTo(page, page.getByRole('button', { name: 'Paid in / out' }));
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Movement')).toBeFocused();
  await page.getByLabel('Movement').selectOption({ label: 'Paid out' });
  await page.keyboard.press('Tab');
  await page.keyboard.type('500');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Sacs plastique');
  await page.keyboard.press('Enter');
  await confirmDrawer(page, 'Paid out', /500/, 'Sacs plastique');

  // Closing: the Z-report shows each cashier's sales.
  await tabTo(page, page.getByRole('button', { name: 'Close shift', exact: true }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel('Cash counted in the drawer'));
  await page.keyboard.type('14220');
  await tabTo(page, page.getByRole('button', { name: 'Close shift and print Z-report' }));
  await page.keyboard.press('Enter');
  const z = page.getByTestId('z-report');
  await expect(z.getByTestId('z-cashier-bob')).toContainText('Bob Diallo');
  await expect(z.getByTestId('z-cashier-bob')).toContainText(/1 .*1,180/);
  await expect(z.getByTestId('z-cashier-awa')).toContainText('Awa Ndiaye');
  await expect(z.getByTestId('z-cashier-awa')).toContainText(/1 .*3,540/);
  // The till was never used unattributed: its first use created Awa's account.
  await expect(z.getByTestId('z-cashier-none')).toHaveCount(0);
  // Float 10,000 + 1,180 + 3,540 of cash kept - 500 paid out.
  await expect(z.getByTestId('z-expected')).toHaveText(/14,220/);
  await expect(z.getByTestId('z-difference')).toHaveText(/0$/);
  await z.screenshot({ path: test.info().outputPath('z-report-by-cashier.png') });
});
