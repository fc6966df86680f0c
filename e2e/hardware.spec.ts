import { expect, test, type Page } from '@playwright/test';
import { demoClient } from './demo-client';
import { createFirstManager, MANAGER, openShift, POLICY, searchBox, signIn } from './pos-fixtures';
import { adminPost, createAdmin, startServer, startWebHost, tempDir, type Running } from './processes';

/**
 * POS hardware end to end with demo hardware (the simulators of native/hardware/sim): a swipe fills
 * the card tender, a scan adds a product, and what the simulated printer rebuilt from the ESC/POS
 * bytes it received matches the receipt preview on screen.
 */
let server: Running;
let host: Running;

const TENANT = { tenant_type: 'merchant', tenant_id: 'boutique-thies' };
const CATALOG = [
  {
    sku: 'rice-1kg',
    barcode: '6001234567890',
    name: 'Riz parfumé 1kg',
    price_minor: 1000,
    currency: 'XOF',
    tax_rate_bp: 1800,
    active: true,
  },
];

test.beforeEach(async () => {
  // Two servers, a browser and two sale paths on a shared 2-core machine: generous, never tight.
  test.setTimeout(300_000);
  server = await startServer({ OUTPOST_DATA_DIR: await tempDir('server') });
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url });
});
// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from a destructuring pattern
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus && host) {
    await testInfo.attach('host-output', { body: host.output(), contentType: 'text/plain' });
  }
  await host?.stop();
  await server?.stop();
});

async function enrollAndOpenShift(page: Page): Promise<void> {
  const admin = await createAdmin(server);
  await adminPost(server, admin, '/offline/policies', POLICY);
  await adminPost(server, admin, '/offline/catalog', { ...TENANT, items: CATALOG });
  const { code } = (await adminPost(server, admin, '/offline/enrollment-codes', {
    ...TENANT,
    country: 'SN',
    currency_default: 'XOF',
  })) as { code: string };
  await page.goto(host.url);
  await page.getByRole('link', { name: 'Enroll this terminal' }).click();
  await page.getByLabel('Enrollment code').fill(code);
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page.getByTestId('enrollment')).toHaveText('Enrolled');
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
}

test('demo hardware: swipe fills the card tender, scan adds a product, the printed receipt matches the preview', async ({
  page,
}, testInfo) => {
  await enrollAndOpenShift(page);

  // Settings: demo hardware on; every role is its simulator, connected; the demo buttons work.
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.getByTestId('hardware');
  // The switch follows the core's answer, so it is clicked, then seen checked.
  await section.getByLabel(/Demo hardware/).click();
  await expect(section.getByLabel(/Demo hardware/)).toBeChecked();
  for (const role of ['cardReader', 'scanner', 'printer']) {
    await expect(page.getByTestId(`hardware-status-${role}`)).toHaveAttribute('data-state', 'connected');
    await expect(page.getByTestId(`hardware-status-${role}`)).toContainText('Simulator');
  }
  await section.getByRole('button', { name: 'Swipe a test card' }).click();
  await expect(page.getByTestId('hardware-event')).toHaveText(/Card read: visa ending 1111\.$/);
  await section.getByRole('button', { name: 'Bad swipe' }).click();
  await expect(page.getByTestId('hardware-event')).toHaveText(
    'Swipe again: the card was swiped too fast or not straight.',
  );

  await page.getByRole('link', { name: 'Sale' }).click();
  await createFirstManager(page);
  await signIn(page, MANAGER.id, MANAGER.pin);
  await openShift(page);

  const demo = await demoClient(host.url);
  try {
    // The scanner's HID POS reports carry an EAN-13: the product lands in the cart.
    await demo.call('hardware.demo.scan', { text: '6001234567890' });
    await expect(page.getByTestId('line-rice-1kg')).toContainText('Riz parfumé 1kg');
    await demo.call('hardware.demo.scan', { text: '6001234567890' });
    await expect(page.getByTestId('line-rice-1kg').getByTestId('qty')).toHaveText('2');
    await expect(page.getByTestId('cart-total')).toHaveText(/2,360/);

    // A bad swipe asks for another; the good one fills the card tender with the amount due.
    await demo.call('hardware.demo.swipe', { card: 'bad-swipe' });
    await expect(page.getByTestId('card-swipe')).toHaveText(
      'Swipe again: the card was swiped too fast or not straight.',
    );
    await demo.call('hardware.demo.swipe', { card: 'visa' });
    const tender = page.getByTestId('card-tender');
    await expect(page.getByTestId('card-swipe')).toHaveText(/Card read: visa ending 1111/);
    // The reader fills brand and last four digits only; its token is kept, never shown (issue #18).
    await expect(tender.getByTestId('card-read')).toHaveText('Read by the card reader: visa ending 1111');
    await expect(tender.getByLabel(/Card amount/)).toHaveValue(/^2[ ,.\u202f]?360$/);
    await expect(page.getByTestId('left-to-pay')).toHaveCount(0);

    // A swipe alone collects nothing: Pay asks for the card terminal's approval code first.
    await page.getByRole('button', { name: /^Pay/ }).click();
    await expect(page.getByTestId('pay-error')).toHaveText(/Type the card terminal’s approval code/);
    await expect(page.getByTestId('receipt-number')).toHaveCount(0);
    await tender.getByLabel('Approval code').fill('a1b2c3');
    await expect(tender.getByLabel('Approval code')).toHaveValue('A1B2C3');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await expect(page.getByTestId('receipt-number')).toContainText('Sale no. 1');
    await expect(page.getByTestId('receipt-print')).toHaveAttribute('data-state', 'printed');

    // The simulator's picture, rebuilt from the bytes it received, against the on-screen preview.
    const preview = page.getByTestId('receipt-preview');
    await expect(preview.locator('svg text').first()).toBeVisible();
    const shown = await preview.locator('svg text').allTextContents();
    const printed = await demo.call<{ jobId: string; picture: { svg: string; lines: string[] } }>(
      'hardware.demo.lastPrint',
    );
    expect(printed.jobId).toMatch(/^sale:[0-9a-f-]{36}:1$/);
    expect(shown).toEqual(printed.picture.lines);
    expect(shown).toContain('Sale no. 1');
    expect(shown.some((l) => /^2 x Riz parfum. 1kg +F CFA 2,000$/.test(l))).toBe(true);
    expect(shown.some((l) => /^Card visa \*{4}1111 +F CFA 2,360$/.test(l))).toBe(true);
    expect(shown.join('\n')).not.toContain('4111111111111111');

    const previewShot = testInfo.outputPath('receipt-preview.png');
    await preview.screenshot({ path: previewShot });
    await testInfo.attach('receipt-preview', { path: previewShot, contentType: 'image/png' });
    const paper = await page.context().newPage();
    await paper.setContent(
      `<!doctype html><body style="margin:0;background:#fff">${printed.picture.svg}</body>`,
    );
    const paperShot = testInfo.outputPath('printer-simulator.png');
    await paper.locator('svg').screenshot({ path: paperShot });
    await testInfo.attach('printer-simulator', { path: paperShot, contentType: 'image/png' });
    expect(await paper.locator('svg text').allTextContents()).toEqual(shown);
    await paper.close();

    // Printing the same sale again is a retry of the same job: nothing prints twice.
    await expect(
      demo.call('pos.receipt.print', { saleId: printed.jobId.split(':')[1] }),
    ).resolves.toMatchObject({ status: 'already-printed' });
    expect((await demo.call<{ jobId: string }>('hardware.demo.lastPrint')).jobId).toBe(printed.jobId);
  } finally {
    demo.close();
  }
});

test('card data read by the scanner or typed into the search box is discarded, never shown or sent', async ({
  page,
}) => {
  // Every frame between the page and the core, both ways, from the first page load.
  const sent: string[] = [];
  const received: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => sent.push(String(f.payload)));
    ws.on('framereceived', (f) => received.push(String(f.payload)));
  });
  await enrollAndOpenShift(page);
  await page.getByRole('link', { name: 'Sale' }).click();
  await createFirstManager(page);
  await signIn(page, MANAGER.id, MANAGER.pin);
  await openShift(page);
  const discarded = page.getByText(
    'Card data was read by the scanner; it was discarded. Use the card reader.',
  );

  const demo = await demoClient(host.url);
  try {
    // A magstripe reader set up as a scanner: the demo HID POS scanner reads a test card's tracks.
    await demo.call('hardware.demo.set', { on: true });
    await expect(demo.call('hardware.demo.scanCard', { card: 'visa' })).resolves.toMatchObject({
      type: 'scan-discarded',
      code: 'CARD_DATA_DISCARDED',
    });
    await expect(discarded).toBeVisible();
  } finally {
    demo.close();
  }

  // The same reader as a plain keyboard typing into the till's search box, then Enter.
  const search = searchBox(page);
  await search.pressSequentially('%B5555555555554444^DEMO/CARD^2712201000?;5555555555554444=27122010000?');
  await expect(search).toHaveValue('');
  await search.press('Enter');
  await expect(discarded).toBeVisible();
  // The field takes a product code at once after the swipe.
  await search.pressSequentially('6001234567890');
  await search.press('Enter');
  await expect(page.getByTestId('line-rice-1kg')).toContainText('Riz parfumé 1kg');

  // Nothing of either card is on the screen or in any frame; the frames were seen (the product).
  const screen = `${await page.locator('body').innerText()}\n${await page.content()}`;
  expect(received.join('\n')).toContain('scan-discarded');
  expect(sent.join('\n')).toContain('6001234567890');
  for (const digits of ['411111', '555555', 'DEMO/CARD']) {
    expect(screen, digits).not.toContain(digits);
    expect(sent.join('\n'), digits).not.toContain(digits);
    expect(received.join('\n'), digits).not.toContain(digits);
  }
});

test('a keyboard-wedge scanner’s prefix, suffix and end key are set in Settings and kept', async ({
  page,
}) => {
  // No HID device exists here: the scanner is chosen as a wedge scanner that is not plugged in.
  const deviceId = '1a86:e026:sn:KB-1';
  const demo = await demoClient(host.url);
  try {
    await demo.call('hardware.choose', {
      role: 'scanner',
      choice: { deviceId, scannerMode: 'keyboard-wedge' },
    });
    await page.goto(host.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const wedge = page.getByTestId('hardware-wedge');
    const save = wedge.getByRole('button', { name: 'Save scanner settings' });
    await expect(save).toBeDisabled();
    await wedge.getByLabel('Prefix').fill('#');
    await wedge.getByLabel('Suffix').fill('$');
    await wedge.getByLabel('Each code ends with').selectOption('tab');
    await save.click();
    await expect(page.getByTestId('hardware-message')).toHaveText('Scanner settings saved.');
    await expect(save).toBeDisabled();

    const state = await demo.call<{ choices: { scanner: unknown } }>('hardware.list');
    expect(state.choices.scanner).toEqual({
      deviceId,
      scannerMode: 'keyboard-wedge',
      wedge: { prefix: '#', suffix: '$', terminator: 'tab' },
    });
    await expect(
      demo.call('hardware.choose', {
        role: 'scanner',
        choice: { deviceId, wedge: { prefix: '\u001b', suffix: '', terminator: 'enter' } },
      }),
      // A control character is refused at the dispatch edge, before the schema (issue #16).
    ).rejects.toThrow('CONTROL_CHARACTERS');

    await page.reload();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(wedge.getByLabel('Prefix')).toHaveValue('#');
    await expect(wedge.getByLabel('Suffix')).toHaveValue('$');
    await expect(wedge.getByLabel('Each code ends with')).toHaveValue('tab');
  } finally {
    demo.close();
  }
});
