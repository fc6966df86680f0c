import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { adminPost } from './processes';
import {
  BARCODE,
  chooseLanguage,
  enrollAndOpenShift,
  MANAGER,
  scan,
  TENANT,
  usePosWorld,
  type PosWorld,
} from './pos-fixtures';

/**
 * Issue 18, item 6 (quick selling) and item 11 (Indonesian): a manager lays out quick keys for
 * items without barcodes in Settings; the cashier sells from the grid and the function keys; the
 * till fits 1024×768 with a full cart; and the same, in Indonesian.
 */
const world = usePosWorld();

const loose = (sku: string, name: string, price: number) => ({
  sku,
  barcode: null,
  name,
  price_minor: price,
  currency: 'XOF',
  tax_rate_bp: 0,
  active: true,
});

/** Items sold without a barcode, added to the catalog after enrollment and pulled by "Sync now". */
async function addLooseItems(page: Page, w: PosWorld, syncLabel: RegExp): Promise<void> {
  await adminPost(w.server, w.admin, '/offline/catalog', {
    ...TENANT,
    items: [
      loose('bread', 'Pain', 250),
      loose('croissant', 'Croissant', 300),
      loose('mango', 'Mangue', 500),
      loose('coffee', 'Café touba', 400),
    ],
  });
  await page.getByRole('link', { name: syncLabel }).click();
  await page.getByRole('button', { name: /Sync now|Sinkronkan sekarang/ }).click();
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
}

/**
 * Two categories of quick keys, saved under the PIN of the manager the fresh till created on its
 * first use (enrollAndOpenShift); then back to the till, where she is still signed in.
 */
async function layOutQuickKeys(
  page: Page,
  words: {
    settings: string;
    quick: string;
    add: string;
    category: string;
    products: RegExp;
    managerId: string;
    pin: string;
    save: string;
    saved: string;
  },
): Promise<void> {
  await page.getByRole('link', { name: words.settings }).click();
  const quick = page.getByRole('region', { name: words.quick });
  await quick.getByRole('button', { name: words.add }).click();
  await quick.getByLabel(words.category).nth(0).fill('Boulangerie');
  await quick.getByLabel(words.products).nth(0).selectOption(['bread', 'croissant']);
  await quick.getByRole('button', { name: words.add }).click();
  await quick.getByLabel(words.category).nth(1).fill('Fruits & café');
  await quick.getByLabel(words.products).nth(1).selectOption(['mango', 'coffee', 'sugar-1kg']);
  await quick.getByLabel(words.managerId).fill(MANAGER.id);
  await quick.getByLabel(words.pin, { exact: true }).fill(MANAGER.pin);
  await quick.getByRole('button', { name: words.save }).click();
  await expect(quick.getByRole('status')).toHaveText(words.saved);
}

const ENGLISH = {
  settings: 'Settings',
  quick: 'Quick keys',
  add: 'Add a category',
  category: 'Category name',
  products: /^Products/,
  managerId: 'Manager ID',
  pin: 'PIN',
  save: 'Save quick keys',
  saved: 'Quick keys saved.',
};

/** The DOM as the measurement below uses it (this file is compiled without the DOM library). */
interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface Node {
  tagName: string;
  className: unknown;
  textContent: string | null;
  parentElement: Node | null;
  scrollWidth: number;
  clientWidth: number;
  closest(selector: string): Node | null;
  getBoundingClientRect(): Box;
}
interface Window {
  innerWidth: number;
  document: { documentElement: Node; querySelectorAll(selector: string): Iterable<Node> };
  getComputedStyle(node: Node): { overflowX: string };
}

/**
 * Nothing sticks out of the window or of its card sideways, nothing is cut off inside its box
 * (screen-reader-only text aside), every button is touch-sized: measured, not judged by eye.
 */
/** At this screen size the till has no layout problem; a screenshot shows it. */
async function fitsAt(page: Page, testInfo: TestInfo, width: number, height: number, what: string) {
  await page.setViewportSize({ width, height });
  await page.screenshot({ path: testInfo.outputPath(`${what}-${width}x${height}.png`), fullPage: true });
  expect(await layoutProblems(page), `${what} at ${width}×${height}`).toEqual([]);
}

async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as Window;
    const problems: string[] = [];
    const root = w.document.documentElement;
    if (root.scrollWidth > root.clientWidth)
      problems.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const name = (el: Node) =>
      `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''} “${(el.textContent ?? '').trim().slice(0, 30)}”`;
    for (const el of w.document.querySelectorAll('.till *')) {
      const box = el.getBoundingClientRect();
      // Screen-reader-only text is clipped on purpose.
      if ((box.width === 0 && box.height === 0) || el.closest('.sr-only')) continue;
      const card = el.parentElement?.closest('section, .till-left, .till-right');
      const cardBox = card?.getBoundingClientRect();
      if (cardBox && (box.left < cardBox.left - 1 || box.right > cardBox.right + 1))
        problems.push(
          `${name(el)} sticks out of its ${String(card!.className)}: ${box.right} > ${cardBox.right}`,
        );
      if (box.left < 0 || box.right > w.innerWidth)
        problems.push(`${name(el)} overflows: ${box.left}–${box.right}`);
      const clips = w.getComputedStyle(el).overflowX !== 'visible';
      if (
        clips &&
        !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) &&
        el.scrollWidth > el.clientWidth + 1
      )
        problems.push(`${name(el)} clips its content: ${el.scrollWidth} > ${el.clientWidth}`);
      if ((el.tagName === 'BUTTON' || el.tagName === 'SUMMARY') && (box.height < 44 || box.width < 44))
        problems.push(`${name(el)} is too small to touch: ${box.width}×${box.height}`);
    }
    return problems;
  });
}

test('quick keys and function keys sell items without barcodes; the full till fits 1024×768', async ({
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await enrollAndOpenShift(page, world);
  await addLooseItems(page, world, /^Sync$/);
  await layOutQuickKeys(page, ENGLISH);
  await page.getByRole('link', { name: 'Sale' }).click();
  const grid = page.getByTestId('quick-keys');
  await expect(grid.getByRole('tab', { name: 'Boulangerie' })).toHaveAttribute('aria-selected', 'true');
  await grid.getByRole('button', { name: /^Add Pain, F\sCFA\s250$/ }).click();
  await grid.getByRole('button', { name: /^Add Pain/ }).click();
  await grid.getByRole('button', { name: /^Add Croissant/ }).click();
  await grid.getByRole('tab', { name: 'Fruits & café' }).click();
  await grid.getByRole('button', { name: /^Add Mangue/ }).click();
  await grid.getByRole('button', { name: /^Add Café touba/ }).click();
  await expect(page.getByTestId('line-bread').getByTestId('qty')).toHaveText('2');
  // A full cart: scans beside the quick keys.
  for (const code of [BARCODE.rice, BARCODE.oil, BARCODE.sugar]) await scan(page, code);
  await expect(page.getByTestId('line-sugar-1kg')).toBeVisible();

  // F4: the quantity of the last line, typed.
  await page.keyboard.press('F4');
  const quantity = page.getByRole('dialog', { name: 'Quantity of Sucre 1kg' });
  await quantity.getByLabel('Qty').fill('3');
  await quantity.getByLabel('Qty').press('Enter');
  await expect(page.getByTestId('line-sugar-1kg').getByTestId('qty')).toHaveText('3');
  // 2×250 + 300 + 500 + 400 + 1 180 + 1 770 + 3×750 = 6 900.
  await expect(page.getByTestId('cart-total')).toHaveText(/^F\sCFA\s6,900$/);

  await page.screenshot({ path: testInfo.outputPath('till-1024x768.png'), fullPage: true });
  await page.screenshot({ path: 'test-results/till-1024x768.png', fullPage: true });
  expect(await layoutProblems(page)).toEqual([]);
  // The same full cart on a 1280×800 screen: every remove (×) button inside the cart.
  await fitsAt(page, testInfo, 1280, 800, 'till');

  // F6 and F7 open the card and QR tenders with the cursor in them; F2 the cash field.
  await page.keyboard.press('F6');
  await expect(page.getByTestId('card-tender')).toHaveAttribute('open', '');
  await expect(page.getByTestId('card-tender').getByRole('textbox').first()).toBeFocused();
  await page.keyboard.press('F7');
  await expect(page.getByTestId('qr-tender')).toHaveAttribute('open', '');
  await page.keyboard.press('F2');
  await expect(page.getByLabel(/^Cash tendered/)).toBeFocused();
  // F3 exact amount, F9 pays, F8 starts the next sale.
  await page.keyboard.press('F3');
  await expect(page.getByLabel(/^Cash tendered/)).toHaveValue('6900');
  await page.keyboard.press('F9');
  await expect(page.getByTestId('receipt-total')).toHaveText(/^F\sCFA\s6,900$/);
  await expect(page.getByRole('button', { name: 'New sale F8' })).toBeVisible();
  // The receipt beside the cart, with its Total column whole, at both screen sizes.
  await fitsAt(page, testInfo, 1280, 800, 'receipt');
  await fitsAt(page, testInfo, 1024, 768, 'receipt');
  await page.keyboard.press('F8');
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await expect(page.getByRole('combobox', { name: 'Search products or scan a barcode' })).toBeFocused();
});

test('dalam Bahasa Indonesia: language switched in Settings, a sale made with quick keys only', async ({
  page,
}, testInfo) => {
  await enrollAndOpenShift(page, world);
  await chooseLanguage(page, 'id');
  await expect(page.getByRole('link', { name: 'Pengaturan' })).toBeVisible();

  await addLooseItems(page, world, /^Sinkronisasi$/);
  await layOutQuickKeys(page, {
    settings: 'Pengaturan',
    quick: 'Tombol cepat',
    add: 'Tambah kategori',
    category: 'Nama kategori',
    products: /^Produk/,
    managerId: 'ID manajer',
    pin: 'PIN',
    save: 'Simpan tombol cepat',
    saved: 'Tombol cepat disimpan.',
  });
  await page.getByRole('link', { name: 'Penjualan' }).click();
  await expect(page.getByTestId('shift-info')).toContainText(/Shift dibuka sejak .*F\sCFA\s10\.000/);
  const grid = page.getByRole('region', { name: 'Tombol cepat' });
  await grid.getByRole('button', { name: /^Tambah Pain/ }).click();
  await grid.getByRole('button', { name: /^Tambah Croissant/ }).click();
  await grid.getByRole('tab', { name: 'Fruits & café' }).click();
  await grid.getByRole('button', { name: /^Tambah Mangue/ }).click();
  await expect(page.getByRole('heading', { name: 'Keranjang' })).toBeVisible();
  await expect(page.getByTestId('cart-total')).toHaveText(/^F\sCFA\s1\.050$/);

  await page.getByLabel(/^Uang diterima/).fill('2000');
  await expect(page.getByTestId('change-due')).toHaveText(/^F\sCFA\s950$/);
  await page.getByRole('button', { name: /^Bayar/ }).click();
  await expect(page.getByTestId('receipt-number')).toContainText('Penjualan no. 1');
  await expect(page.getByTestId('receipt-total')).toHaveText(/^F\sCFA\s1\.050$/);
  await expect(page.getByRole('button', { name: 'Transaksi baru F8' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('till-id.png'), fullPage: true });
  await page.screenshot({ path: 'test-results/till-id.png', fullPage: true });
});
