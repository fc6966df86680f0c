import { expect, test, type Page } from '@playwright/test';
import { BARCODE, enrollAndOpenShift, MANAGER, scan, signIn, tabTo, usePosWorld } from './pos-fixtures';

/**
 * Issue #18 item 2 at the till, from the keyboard: the sale in progress survives going to Settings
 * and back, closing and reopening the app, and the app's core being killed (a crash); a cashier
 * parks a sale with a label, starts and parks another, and recalls the first with its lines.
 */
const world = usePosWorld();

/** The cart on screen: each line's SKU and quantity, in order. */
async function cartLines(page: Page): Promise<string[]> {
  const rows = page.getByTestId('cart').locator('tbody tr[data-testid^="line-"]');
  const lines: string[] = [];
  for (const row of await rows.all())
    lines.push(
      `${(await row.getAttribute('data-testid'))?.slice(5)} ×${await row.getByTestId('qty').textContent()}`,
    );
  return lines;
}

/** Keyboard only: Tab to the menu link, Enter. */
async function goTo(page: Page, link: 'Settings' | 'Sale'): Promise<void> {
  await tabTo(page, page.getByRole('link', { name: link }));
  await page.keyboard.press('Enter');
}

/** The cart on screen has this total and these lines (once the stored cart has arrived). */
async function expectCart(page: Page, total: RegExp, lines: string[]): Promise<void> {
  await expect(page.getByTestId('cart-total')).toHaveText(total);
  await expect.poll(() => cartLines(page)).toEqual(lines);
}

/** To Settings and back: the till screen is gone, then mounted again. */
async function throughSettings(page: Page): Promise<void> {
  await goTo(page, 'Settings');
  await expect(page.getByTestId('cart')).toHaveCount(0);
  await goTo(page, 'Sale');
}

/**
 * A label typed at machine speed and ended with Enter: it would look like a barcode wedge's scan
 * by timing alone, but the park label is a typed-text field, where the scan detection leaves fast
 * typing to the cashier (scan-detector.ts, #18).
 */
async function typeLabel(page: Page, label: string): Promise<void> {
  await tabTo(page, page.getByLabel('Label (optional)'));
  await page.keyboard.type(label);
  await page.keyboard.press('Enter');
}

const FIRST = ['rice-1kg ×2', 'oil-1l ×1', 'sugar-1kg ×1'];

test('the cart survives Settings, a restart and a crash; a parked sale comes back with its lines', async ({
  page,
}) => {
  // Three app starts on top of the usual story.
  test.setTimeout(300_000);
  await enrollAndOpenShift(page, world);
  const shot = (name: string) =>
    page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });

  await scan(page, BARCODE.rice);
  await scan(page, BARCODE.rice);
  await scan(page, BARCODE.oil);
  await scan(page, BARCODE.sugar);
  // 2 × 1,180 + 1,770 + 750.
  await expectCart(page, /4,880/, FIRST);

  // To Settings and back: the till screen comes back with the cart.
  await throughSettings(page);
  await expectCart(page, /4,880/, FIRST);

  // The app is closed and opened again.
  await world.restartHost(page, 'SIGTERM');
  // A restarted app is locked: the cashier signs in again (#18), and finds the cart.
  await signIn(page, MANAGER.id, MANAGER.pin);
  await expectCart(page, /4,880/, FIRST);
  await shot('cart-after-restart');

  // One more line, then the core dies with nothing flushed (SIGKILL). The trip to Settings and back
  // shows the line came from the store before the kill: what is asserted is that the store's word
  // survives a crash, not a race with a save still on its way.
  // The page reconnects to the restarted core before the scanner is used again.
  await expect(page.getByText('Lost contact with the app')).toHaveCount(0);
  await scan(page, BARCODE.tv);
  const withTv = [...FIRST, 'tv-32 ×1'];
  await expect(page.getByTestId('cart-total')).toHaveText(/34,380/);
  await expect.poll(() => cartLines(page)).toEqual(withTv);
  await throughSettings(page);
  await expectCart(page, /34,380/, withTv);
  await world.restartHost(page, 'SIGKILL');
  await signIn(page, MANAGER.id, MANAGER.pin);
  await expectCart(page, /34,380/, withTv);
  await shot('cart-after-crash');

  // Park it as "Table 4": the cart empties.
  await typeLabel(page, 'Table 4');
  await expect(page.getByTestId('cart')).toHaveCount(0);
  const parked = page.getByTestId('parked-sales');
  await expect(parked.getByRole('listitem')).toHaveCount(1);
  await expect(parked).toContainText('Table 4');

  // Another customer: one bag of sugar, parked as "Mme Diop".
  await scan(page, BARCODE.sugar);
  await expect.poll(() => cartLines(page)).toEqual(['sugar-1kg ×1']);
  await expect(page.getByRole('status').filter({ hasText: 'Sucre 1kg added' })).toHaveCount(1);
  await typeLabel(page, 'Mme Diop');
  await expect(page.getByTestId('cart')).toHaveCount(0);
  // The empty till says nothing about a cart that was parked.
  await expect(page.getByText('Sucre 1kg added')).toHaveCount(0);
  await expect(parked.getByRole('listitem')).toHaveCount(2);
  await shot('two-parked');

  // Recall the first: its lines come back, the other stays parked.
  await tabTo(page, page.getByRole('button', { name: 'Recall Table 4' }));
  await page.keyboard.press('Enter');
  await expectCart(page, /34,380/, withTv);
  await expect(parked.getByRole('listitem')).toHaveCount(1);
  await expect(parked).toContainText('Mme Diop');
  await expect(parked).not.toContainText('Table 4');
  await shot('recalled');
});
