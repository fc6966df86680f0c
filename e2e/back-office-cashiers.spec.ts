import { expect, test, type Page } from '@playwright/test';
import { consoleSignIn, shoot } from './console-fixtures';
import { BARCODE, enrollTill, openShift, scan, signIn, TENANT, usePosWorld } from './pos-fixtures';
import { createAccount } from './processes';

/**
 * Issue #19, item 3: the owner manages the shop's cashiers from the back office. A real server and
 * PostgreSQL, the real till UI enrolled as a shop's till: the owner adds Fatou with a PIN in the
 * console; after its sync the till signs her in with that PIN and she rings a sale under her name;
 * the owner disables her, and after the till's next sync her PIN is refused with a clear message.
 */
const world = usePosWorld();
const FATOU = { id: 'fatou', name: 'Fatou Sarr', pin: '2580' } as const;

async function syncTill(till: Page): Promise<void> {
  await till.getByRole('link', { name: 'Sync' }).click();
  await till.getByRole('button', { name: 'Sync now' }).click();
  await expect(till.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
}

test('the owner adds a cashier with a PIN; she sells at the till; disabled, her PIN is refused', async ({
  page: till,
  browser,
}) => {
  await enrollTill(till, world);
  const owner = await createAccount(world.server, 'pay_admin', 'owner');
  const console_ = await browser.newPage();

  // The owner, in the back office: Cashiers, the shop's tenant, a cashier with her PIN.
  await console_.goto(`${world.server.url}/admin/`);
  await consoleSignIn(console_, owner);
  await console_
    .getByRole('navigation', { name: 'Back office' })
    .getByRole('link', { name: 'Cashiers' })
    .click();
  await expect(console_.getByRole('heading', { name: 'Cashiers', level: 1 })).toBeVisible();
  await console_.getByLabel('Tenant id').fill(TENANT.tenant_id);
  await console_.getByLabel('Tenant id').press('Enter');
  await expect(console_.getByText('No cashier yet')).toBeVisible();
  await console_.getByRole('button', { name: 'Add a cashier' }).click();
  const dialog = console_.getByRole('dialog', { name: 'Add a cashier' });
  await dialog.getByLabel('Cashier ID (typed at the till)').fill(FATOU.id);
  await dialog.getByLabel('Name').fill(FATOU.name);
  await dialog.getByLabel('PIN (4 to 12 digits)').fill(FATOU.pin);
  await shoot(console_, 'cashiers-add');
  await dialog.getByRole('button', { name: 'Add the cashier' }).click();
  await expect(console_.getByRole('status').filter({ hasText: FATOU.name })).toHaveText(
    'Fatou Sarr can sign in at the shop’s tills after their next sync.',
  );
  const row = console_.locator(`tr[data-cashier="${FATOU.id}"]`);
  await expect(row).toContainText('Cashier');
  await expect(row).toContainText('Active');
  // The PIN is never shown back.
  await expect(console_.locator('body')).not.toContainText(FATOU.pin);
  await shoot(console_, 'cashiers');

  // The till syncs: it has no account of its own, so it asks for a cashier (no first-manager form).
  await syncTill(till);
  await till.getByRole('link', { name: 'Sale' }).click();
  await expect(till.getByTestId('first-manager')).toHaveCount(0);
  await signIn(till, FATOU.id, FATOU.pin);
  await openShift(till);
  await expect(till.getByTestId('cashier-name')).toHaveText('Cashier: Fatou Sarr');
  await scan(till, BARCODE.rice);
  // F2 the cash field, F3 the exact amount, F9 pays.
  await till.keyboard.press('F2');
  await till.keyboard.press('F3');
  await expect(till.getByLabel(/^Cash tendered/)).toHaveValue('1180');
  await till.keyboard.press('F9');
  await expect(till.getByTestId('receipt-total')).toHaveText(/1,180/);
  await expect(till.getByTestId('receipt-cashier')).toHaveText('Cashier: Fatou Sarr');
  await till.screenshot({ path: test.info().outputPath('till-sale-by-fatou.png'), fullPage: true });

  // The owner disables her.
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(console_.getByRole('status').filter({ hasText: FATOU.name })).toHaveText(
    'Fatou Sarr is disabled. Each till refuses them from its next sync.',
  );
  await expect(row).toContainText('Disabled');

  // After the till's next sync she is signed out, and her PIN is refused, saying why.
  await syncTill(till);
  await till.getByRole('link', { name: 'Sale' }).click();
  const form = till.getByTestId('cashier-sign-in');
  await expect(form.getByLabel('Cashier ID')).toBeFocused();
  await till.keyboard.type(FATOU.id);
  await till.keyboard.press('Tab');
  await till.keyboard.type(FATOU.pin);
  await till.keyboard.press('Enter');
  await expect(form.getByRole('alert')).toHaveText(
    'This cashier was disabled in the back office: ask the shop’s owner.',
  );
  await till.screenshot({ path: test.info().outputPath('till-cashier-disabled.png'), fullPage: true });
});
