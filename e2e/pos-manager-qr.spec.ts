import { expect, test } from '@playwright/test';
import { QR_SCHEME } from '../protocol/qr';
import { BARCODE, enrollAndOpenShift, registerWallet, scan, usePosWorld } from './pos-fixtures';

/**
 * Issue 4, items 2 and 6 at the till: a manager PIN set in Settings lifts a limit the policy lets a
 * manager lift, and a customer's payment QR is verified before the QR tender counts.
 */
const world = usePosWorld();

test('a manager account set in Settings approves a large sale; a wrong PIN is refused', async ({ page }) => {
  await enrollAndOpenShift(page, world);

  await page.getByRole('link', { name: 'Settings' }).click();
  // Awa, the manager the fresh till created on its first use, is signed in. A second manager
  // needs her PIN.
  const pins = page.getByRole('region', { name: 'Cashiers' });
  await pins.getByLabel('Cashier ID').fill('moussa');
  await pins.getByLabel('Name').fill('Moussa');
  await pins.getByLabel('Role').selectOption({ label: 'Manager' });
  await pins.getByLabel('New PIN', { exact: true }).fill('1111');
  await pins.getByLabel('Repeat the new PIN').fill('1111');
  await pins.getByRole('button', { name: 'Save cashier' }).click();
  await expect(page.getByTestId('cashier-message')).toHaveText(
    'An existing manager’s PIN is needed to set a PIN.',
  );

  await page.getByRole('link', { name: 'Sale' }).click();

  // 16 000 is above the 15 000 approval threshold and below the 20 000 maximum.
  await scan(page, BARCODE.radio);
  await page.getByRole('button', { name: 'Exact amount' }).click();
  await page.getByRole('button', { name: /^Pay/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Manager approval' });
  await expect(dialog).toContainText('A sale this large needs a manager’s approval.');
  await dialog.getByLabel('Manager ID').fill('awa');
  await dialog.getByLabel('PIN', { exact: true }).fill('0000');
  await dialog.getByLabel('Reason').fill('Client fidèle');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('That manager ID and PIN do not match.');
  await expect(page.getByTestId('receipt')).toHaveCount(0);

  await dialog.getByLabel('PIN', { exact: true }).fill('4821');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('receipt-total')).toHaveText(/16,000/);
  await expect(page.getByTestId('receipt')).toContainText('Approved by manager Awa Ndiaye: Client fidèle');
});

test('the QR tender shows a signed request and accepts only a genuine, unused customer QR', async ({
  page,
}) => {
  await enrollAndOpenShift(page, world);
  // A wallet's key, registered on the server by an admin; the till learns it from the server.
  const customerQr = await registerWallet(world);

  // 1 180 + 1 770 = 2 950 due.
  await scan(page, BARCODE.rice);
  await scan(page, BARCODE.oil);
  await expect(page.getByTestId('cart-total')).toHaveText(/2,950/);
  const tender = page.getByTestId('qr-tender');
  await tender.getByText('QR / mobile money').click();
  await expect(tender).toContainText(/To pay by QR: .*2,950/);
  await tender.getByRole('button', { name: 'Show payment QR code' }).click();
  await expect(tender.getByRole('img', { name: /Payment request QR code for .*2,950/ })).toBeVisible();
  await expect(tender.getByTestId('qr-request')).toHaveAttribute('src', /^data:image\/png;base64,/);

  const scanField = tender.getByLabel('Scan or paste the customer’s payment QR');
  // Altered after signing: 2 950 rewritten as 29 (what a fraudster would pay less with).
  const genuine = customerQr(2950, 'wave:tx-5531');
  const [payload, signature] = genuine.slice(QR_SCHEME.length).split('.') as [string, string];
  const altered = Buffer.from(
    Buffer.from(payload, 'base64url').toString().replace('"amount_minor":2950', '"amount_minor":29'),
  ).toString('base64url');
  await scanField.fill(`${QR_SCHEME}${altered}.${signature}`);
  await scanField.press('Enter');
  await expect(tender.getByTestId('qr-error')).toHaveText(/forged or altered/);

  // Another amount than due, properly signed: refused with both amounts.
  await scanField.fill(customerQr(2000, 'wave:tx-5530'));
  await tender.getByRole('button', { name: 'Check' }).click();
  await expect(tender.getByTestId('qr-error')).toHaveText(/not for the amount due.*2,000.*2,950/);

  await scanField.fill(genuine);
  await tender.getByRole('button', { name: 'Check' }).click();
  await expect(tender.getByTestId('qr-accepted')).toHaveText(/2,950.*paid by QR \(Wave, wave:tx-5531\)/);
  await expect(page.getByTestId('change-due')).toHaveText(/0$/);
  await page.getByRole('button', { name: /^Pay/ }).click();
  await expect(page.getByTestId('receipt-total')).toHaveText(/2,950/);
  await expect(page.getByTestId('receipt')).toContainText('QR wave:tx-5531');

  // The same QR shown again for the next customer: refused, it was used.
  await scan(page, BARCODE.rice);
  await scan(page, BARCODE.oil);
  await tender.getByText('QR / mobile money').click();
  await scanField.fill(genuine);
  await scanField.press('Enter');
  await expect(tender.getByTestId('qr-error')).toHaveText(
    'This payment QR code has already been used at this till.',
  );
  await expect(tender.getByTestId('qr-accepted')).toHaveCount(0);
});
