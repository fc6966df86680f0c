import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { createAccount, ROOT, startServer, type Running } from './processes';
import { shoot } from './console-fixtures';

/**
 * Issue #19, item 6: the shop owner runs the catalog from the back office alone. A real server and
 * PostgreSQL; the browser does everything: a CSV with one bad row is refused at its line, the example
 * file of docs/ imports (dropped on the page), a price typed as a shopkeeper writes it lands on the
 * list in the currency's format and on the till's quick-key grid, the shop's receipt header is set,
 * and the exported CSV holds the change.
 */
let server: Running;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await test.info().attach('server output', { body: server?.output() ?? '', contentType: 'text/plain' });
  await server?.stop();
});

test('the owner imports, fixes a price, sets the shop details and exports, through the console alone', async ({
  page,
}) => {
  // Ten full-page screenshots and two server processes on a shared CI machine.
  test.setTimeout(180_000);
  const owner = await createAccount(server, 'pay_admin', 'owner');
  const example = await readFile(`${ROOT}/docs/examples/catalog.csv`, 'utf8');

  await page.goto(`${server.url}/admin/`);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Catalog' }).click();
  await expect(page.getByRole('heading', { name: 'Catalog', level: 1 })).toBeVisible();

  // No till yet: the owner types the tenant its enrollment codes will name.
  await page.getByLabel('Tenant id').fill('boutique-dakar');
  await page.getByLabel('Tenant id').press('Enter');
  await expect(page.getByTestId('last-change')).toHaveText(
    'No products yet. Tills pick up every change on their next sync.',
  );

  // The example file names two categories: created first, as docs/operations.md says.
  for (const name of ['Boulangerie', 'Boissons']) {
    await page.getByLabel('Category name').fill(name);
    await page.getByLabel('Category name').press('Enter');
    await expect(page.getByRole('button', { name: `Remove ${name}` })).toBeVisible();
  }

  // One bad row (a price with a decimal point where minor units are whole): refused at its line.
  const file = page.getByLabel('Import a CSV file');
  await file.setInputFiles({
    name: 'with-a-bad-row.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${example}MANGUE,Mangue,12.50,XOF,1800,,,,true\r\n`),
  });
  const refusal = page.getByRole('alert').filter({ hasText: 'was not imported' });
  await expect(refusal).toContainText('with-a-bad-row.csv was not imported');
  const bad = refusal.locator('tr[data-line="8"]');
  await expect(bad).toContainText('price_minor');
  await expect(bad).toContainText('Not the right kind of value');
  await expect(refusal.locator('tbody tr')).toHaveCount(1);
  await expect(page.getByText('No products yet.')).toBeVisible();
  await shoot(page, 'catalog-csv-refused');

  // The example itself, dropped on the page.
  // A DataTransfer holding the file, made in the page (e2e code is typed without the DOM).
  const drop = await page.evaluateHandle(
    `(() => { const d = new DataTransfer(); d.items.add(new File([${JSON.stringify(example)}], 'catalog.csv', { type: 'text/csv' })); return d; })()`,
  );
  await page.getByTestId('csv-drop').dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByRole('status').filter({ hasText: 'catalog.csv' })).toHaveText(
    'catalog.csv: 6 rows read, 6 products added or changed.',
  );
  await expect(page.locator('tbody tr[data-sku]')).toHaveCount(6);
  await expect(page.locator('tr[data-sku="BAGUETTE"]')).toContainText('F CFA 250');
  await expect(page.getByTestId('last-change')).toContainText('Last change:');

  // The croissant's price, typed as a shopkeeper would: a decimal is refused for XOF, in words.
  await page.getByRole('button', { name: 'Edit Croissant' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit Croissant' });
  const price = dialog.getByLabel('Price');
  await price.fill('12.5');
  await expect(dialog.getByText('More decimals than this currency has.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Save the product' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Some fields are not valid');
  await price.fill('1 500');
  await expect(dialog.getByText('Reads as F CFA 1,500')).toBeVisible();
  // Key 1 is the baguette's: offered as taken. Key 3 is free; the grid shows where it lands.
  await expect(dialog.getByRole('option', { name: 'Key 1 — Baguette' })).toBeDisabled();
  await dialog.getByRole('combobox', { name: /^Quick key/ }).selectOption({ label: 'Key 3' });
  await expect(dialog.locator('li.key.mine')).toHaveAttribute('data-key', '3');
  await shoot(page, 'catalog-edit');
  await dialog.getByRole('button', { name: 'Save the product' }).press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Croissant is saved' })).toBeVisible();
  const croissant = page.locator('tr[data-sku="CROISSANT"]');
  await expect(croissant).toContainText('F CFA 1,500');
  await expect(croissant).toContainText('Key 3');
  await expect(
    page.getByRole('list', { name: 'Quick keys of Boulangerie' }).locator('li[data-key="3"]'),
  ).toContainText('Croissant');

  // Search narrows the list.
  await page.getByLabel('Search').fill('croi');
  await expect(page.locator('tbody tr[data-sku]')).toHaveCount(1);
  await expect(page.getByText('Page 1 of 1 (1 product)')).toBeVisible();
  await page.getByLabel('Search').fill('');
  await expect(page.getByLabel('Category name')).toHaveValue('');
  await shoot(page, 'catalog');

  // Export: the downloaded CSV holds the new price, in minor units.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the catalog as CSV' }).click();
  const csv = await readFile((await (await download).path())!, 'utf8');
  expect(csv).toContain('CROISSANT,Croissant,1500,XOF,1800,,boulangerie,2,true');
  expect(csv.split('\r\n')[0]).toBe(
    'sku,name,price_minor,currency,tax_rate_bp,barcodes,category_id,quick_key,active',
  );

  // Shop details, with the receipt header as the till prints it.
  await page
    .getByRole('navigation', { name: 'Back office' })
    .getByRole('link', { name: 'Shop details' })
    .click();
  await expect(page.getByLabel('Tenant id')).toHaveValue('boutique-dakar');
  await page.getByLabel('Shop name').fill('Boutique Awa');
  await page.getByLabel('Address').fill('12 rue Carnot, Dakar');
  await page.getByLabel('Tax id').fill('SN-0042');
  await expect
    .poll(() => page.getByTestId('receipt-header').textContent())
    .toBe('Boutique Awa\n12 rue Carnot, Dakar\nTax ID SN-0042\n(the till’s name)');
  await page.getByRole('button', { name: 'Save the shop details' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved. Tills print them from their next sync.');
  await shoot(page, 'shop');
  // What the server holds, after a reload.
  await page.reload();
  await expect(page.getByLabel('Shop name')).toHaveValue('Boutique Awa');
  await expect(page.getByLabel('Tax id')).toHaveValue('SN-0042');

  // The same page in French: the grid and the price in the French format.
  await page.getByLabel('Language').selectOption('fr');
  await page
    .getByRole('navigation', { name: 'Administration' })
    .getByRole('link', { name: 'Catalogue' })
    .click();
  await expect(page.locator('tr[data-sku="CROISSANT"]')).toContainText(/1\s500\sF\sCFA/);
  await shoot(page, 'catalog-fr');
});
