import { expect, test } from '@playwright/test';
import { BARCODE, chooseLanguage, enrollAndOpenShift, tabTo, typeBarcode, usePosWorld } from './pos-fixtures';

/**
 * Issue #18, money typed as the till's language writes it: an Indonesian cashier types ten
 * thousand as "10.000" and it is ten thousand; "10,000" (a decimal comma in Indonesian, three
 * decimals for a currency with none) is refused with a model, never read as ten.
 */
const world = usePosWorld();

test('an Indonesian cashier’s "10.000" is ten thousand; "10,000" is refused, not guessed', async ({
  page,
}, testInfo) => {
  await enrollAndOpenShift(page, world);
  await chooseLanguage(page, 'id');
  await page.getByRole('link', { name: 'Penjualan' }).click();

  const search = page.getByRole('combobox', { name: 'Cari produk atau pindai barcode' });
  await typeBarcode(search, BARCODE.rice);
  await expect(page.getByTestId('cart-total')).toHaveText(/^F\sCFA\s1\.180$/);
  const cash = page.getByLabel(/^Uang diterima/);

  // Refused, with ten thousand as Indonesian writes it; nothing recorded.
  await tabTo(page, cash);
  await cash.fill('10,000');
  await page.keyboard.press('F9');
  await expect(page.getByTestId('pay-error')).toHaveText(/sepuluh ribu ditulis 10\.000\.$/);
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('id-amount-refused.png') });

  await cash.fill('10.000');
  await expect(page.getByTestId('change-due')).toHaveText(/^F\sCFA\s8\.820$/);
  await page.keyboard.press('F9');
  await expect(page.getByTestId('receipt-total')).toHaveText(/^F\sCFA\s1\.180$/);
  await expect(page.getByTestId('receipt-change')).toHaveText(/^F\sCFA\s8\.820$/);
});
