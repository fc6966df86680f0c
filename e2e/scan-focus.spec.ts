import { expect, test, type Page } from '@playwright/test';
import { wedgeReports } from '../native/hardware/sim/scanners';
import { demoClient } from './demo-client';
import { BARCODE, enrollAndOpenShift, searchBox, usePosWorld } from './pos-fixtures';
import { typeAsWedge } from './wedge-keys';

/**
 * Issue #18: a keyboard-wedge scanner is a keyboard. Its scan goes to the cart whatever has focus;
 * before, a scan after a refused Pay typed itself into "Cash tendered". Keyboard only from the
 * open till on: the scanner is `page.keyboard` typing a code and its end key as fast as the
 * browser takes keys, as a wedge scanner does.
 */
const world = usePosWorld();

const cashField = (page: Page) => page.getByLabel(/^Cash tendered/);

/** Tab through the till until the cash field has focus, as a cashier without a mouse does. */
async function tabToCash(page: Page): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const focused = await cashField(page).evaluate(
      (el: { ownerDocument: { activeElement: unknown } }) => el.ownerDocument.activeElement === el,
    );
    if (focused) return;
  }
  throw new Error('Tab never reached the cash field');
}

/** After a refused Pay: one rice in the cart, "100" in the cash field, and the cursor there. */
async function refusedPayWithCashFocused(page: Page): Promise<void> {
  await searchBox(page).focus();
  await page.keyboard.type(BARCODE.rice);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('line-rice-1kg').getByTestId('qty')).toHaveText('1');
  await tabToCash(page);
  await page.keyboard.type('100');
  await page.keyboard.press('F9');
  await expect(page.getByTestId('pay-error')).toContainText('Left to pay');
  await expect(cashField(page)).toBeFocused();
}

test('keyboard only: a wedge scan while the cash field has focus adds the product, the cash stays', async ({
  page,
}, testInfo) => {
  await enrollAndOpenShift(page, world);
  await refusedPayWithCashFocused(page);

  // The scanner types the code and Enter into the focused cash field, at its own pace (4 ms a report).
  await typeAsWedge(page, wedgeReports(BARCODE.rice, { layout: 'us' }));

  await expect(page.getByTestId('line-rice-1kg').getByTestId('qty')).toHaveText('2');
  await expect(cashField(page)).toHaveValue('100');
  await expect(cashField(page)).toBeFocused();
  // Enter was the scan's end, not Pay: no sale was recorded.
  await expect(page.getByTestId('receipt-number')).toHaveCount(0);
  const shot = testInfo.outputPath('scan-into-cash-field.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('scan-into-cash-field', { path: shot, contentType: 'image/png' });

  // A person typing in the same field loses nothing: slow keys all reach it.
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  // The same simulator at a person's pace (150 ms a key), without an end key.
  await typeAsWedge(page, wedgeReports('2360', { layout: 'us', keyGapMs: 150 }).slice(0, -2));
  await expect(cashField(page)).toHaveValue('2360');
  await page.keyboard.press('F9');
  await expect(page.getByTestId('receipt-number')).toContainText('Sale no. 1');
});

test('keyboard only: a scanner that ends each code with Ctrl+J scans into the cart from the cash field', async ({
  page,
}) => {
  // The wedge scanner is a plain keyboard (none is plugged in here), set up to end codes with Ctrl+J.
  const demo = await demoClient(world.host.url);
  try {
    await demo.call('hardware.choose', {
      role: 'scanner',
      choice: {
        deviceId: '1a86:e026:sn:KB-1',
        scannerMode: 'keyboard-wedge',
        wedge: { prefix: '', suffix: '', terminator: 'ctrl-j', minLength: 8 },
      },
    });
  } finally {
    demo.close();
  }
  await enrollAndOpenShift(page, world);
  await refusedPayWithCashFocused(page);

  await typeAsWedge(page, wedgeReports(BARCODE.oil, { layout: 'us', end: 'ctrl-j' }));
  await expect(page.getByTestId('line-oil-1l').getByTestId('qty')).toHaveText('1');
  await expect(cashField(page)).toHaveValue('100');
  await expect(cashField(page)).toBeFocused();

  // Shorter than the 8 characters set in Settings: typing, and it stays in the field.
  await typeAsWedge(page, wedgeReports('50', { layout: 'us', end: 'ctrl-j' }));
  await expect(cashField(page)).toHaveValue('10050');
  await expect(page.getByTestId('cart').locator('tbody tr')).toHaveCount(2);

  // Settings shows what the scanner was set to.
  await page.getByRole('link', { name: 'Settings' }).focus();
  await page.keyboard.press('Enter');
  const wedge = page.getByTestId('hardware-wedge');
  await expect(wedge.getByLabel('Each code ends with')).toHaveValue('ctrl-j');
  await expect(wedge.getByLabel('Shortest code (characters)')).toHaveValue('8');
});

test('keyboard only: a card reader typing its track on an AZERTY till leaves nothing in the cash field, the cart or the screen', async ({
  page,
}, testInfo) => {
  await enrollAndOpenShift(page, world);
  await refusedPayWithCashFocused(page);

  // A magstripe reader in keyboard mode sends a US keyboard's keys; the OS, set for French AZERTY,
  // makes `5B'&&&…6DOE!JOHN6…` of them (issue #16, L-b). A masked track 2 follows, as readers send it.
  const track = '%B4111111111111111^DOE/JOHN^2812101000000000?;4111********1111=28121010000000000?';
  await typeAsWedge(page, wedgeReports(track, { layout: 'us' }), 'fr-azerty');

  await expect(
    page.getByText('Card data was read by the scanner; it was discarded. Use the card reader.'),
  ).toBeVisible();
  await expect(cashField(page)).toHaveValue('100');
  await expect(page.getByTestId('cart').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('receipt-number')).toHaveCount(0);
  // Nothing of the track is on the screen, in either spelling.
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/4111|&&&&|DOE|JOHN/);
  const shot = testInfo.outputPath('azerty-track-discarded.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('azerty-track-discarded', { path: shot, contentType: 'image/png' });
});
