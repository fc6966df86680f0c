import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { consoleSignIn, shoot } from './console-fixtures';
import { createFirstManager, openShift, scan, signIn } from './pos-fixtures';
import { ROOT, startServer, startWebHost, type Running } from './processes';

/**
 * Issue #19's first acceptance journey, through the UI alone: a server started fresh → the one-time
 * setup link from its log → the first administrator → a country policy → the catalog CSV of docs/
 * imported → an enrollment code → the till (the real app UI) enrolled with it sells one item for cash
 * → the owner sees the sale in the day's takings. Then item 11: on a computer with no server, the
 * app's first screen runs a local shop and sells, and its back office opens on that shop.
 */
const OWNER = { email: 'awa@boutique.example', password: 'awa long password 42' };
const BAGUETTE = '3017620422003';
let server: Running | undefined;
let host: Running | undefined;

test.afterEach(async () => {
  const info = test.info();
  if (info.status !== info.expectedStatus) {
    await info.attach('host output', { body: host?.output() ?? '', contentType: 'text/plain' });
    await info.attach('server output', { body: server?.output() ?? '', contentType: 'text/plain' });
  }
  await host?.stop();
  await server?.stop();
  host = server = undefined;
});

const menu = (page: Page) => page.getByRole('navigation', { name: 'Back office' });

/** A real 64×64 PNG drawn by the browser: a golden croissant-ish disc on white. */
async function pictureOf(page: Page): Promise<Buffer> {
  // A string, as e2e code is typed without the DOM: it runs in the page.
  const url = (await page.evaluate(`(() => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const g = canvas.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, 64, 64);
    g.fillStyle = '#d9902f';
    g.beginPath();
    g.arc(32, 32, 26, 0, Math.PI * 2);
    g.fill();
    return canvas.toDataURL('image/png');
  })()`)) as string;
  return Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
}

/**
 * On the Sale screen of the newly enrolled till: its first manager is created and signs in, opens a
 * shift, and sells one baguette (250 + 18 % tax) for cash, the exact amount; the sale is sent.
 */
async function sellOneBaguette(till: Page): Promise<void> {
  await createFirstManager(till);
  await signIn(till, 'awa', '4821');
  await openShift(till);
  await scan(till, BAGUETTE);
  await till.getByRole('button', { name: 'Exact amount' }).click();
  await till.getByRole('button', { name: /^Pay/ }).click();
  await expect(till.getByTestId('receipt-total')).toHaveText(/295/);
  await till.getByRole('link', { name: 'Sync' }).click();
  await till.getByRole('button', { name: 'Sync now' }).click();
  await expect(till.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
  await expect(till.getByTestId('count-pending')).toHaveText('0');
}

/** The owner's day's takings in the back office: the baguette, in cash. */
async function takingsShowTheBaguette(office: Page, name: string): Promise<void> {
  await menu(office).getByRole('link', { name: 'Takings' }).click();
  const totals = office.getByRole('table', { name: 'Totals by currency' });
  // Takings count reconciled sales: the worker posts the pushed sale within seconds, and an owner
  // who opened the page before that presses Show again.
  await expect(async () => {
    await office.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(totals.locator('tr[data-currency="XOF"]')).toContainText(/295/, { timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  await expect(office.getByRole('table', { name: 'By till, cashier and means of payment' })).toContainText(
    'Cash',
  );
  await shoot(office, name);
}

test('a fresh server to a first sale in the day’s takings, through the back office and the till', async ({
  page,
  context,
}) => {
  // Two processes, a first run, four console pages, an enrollment and a sale on a shared machine.
  test.setTimeout(300_000);
  server = await startServer();
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url });

  // The server's log: the one-time link that creates the first administrator.
  const setupUrl = /(http:\/\/\S+\/admin\/#setup=[A-Za-z0-9_-]{43})/.exec(server.output())?.[1];
  expect(setupUrl, 'the server logs a setup link while no user exists').toBeTruthy();
  await page.goto(setupUrl!);
  await page.getByLabel('Your email').fill(OWNER.email);
  await page.getByLabel('Choose a password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create the administrator' }).click();
  await expect(page.getByRole('status')).toContainText(`The administrator ${OWNER.email} is created.`);
  await page.goto(`${server.url}/admin/`);
  await consoleSignIn(page, OWNER);
  await expect(page.getByText(`Signed in as ${OWNER.email}`)).toBeVisible();

  // A country policy.
  await menu(page).getByRole('link', { name: 'Policies' }).click();
  await page.getByRole('button', { name: 'Add a country' }).click();
  const policy = page.getByRole('form', { name: 'New country policy' });
  await policy.getByLabel('Country').fill('SN');
  await policy.getByLabel('Currency').fill('XOF');
  await policy.getByLabel('Largest offline sale').fill('20000');
  await policy.getByLabel('Most a till may hold unsent').fill('500000');
  await policy.getByLabel('Manager approval above').fill('15000');
  await policy.getByLabel('Offline sales per till per day').fill('50');
  await policy.getByLabel('Oldest unsent sales (hours)').fill('72');
  await policy.getByRole('button', { name: 'Save the policy' }).click();
  await expect(page.getByRole('status')).toHaveText('The policy of SN is saved (version 1).');

  // The catalog: the example file's two categories, then the file itself.
  await menu(page).getByRole('link', { name: 'Catalog' }).click();
  await page.getByLabel('Tenant id').fill('boutique-dakar');
  await page.getByLabel('Tenant id').press('Enter');
  for (const name of ['Boulangerie', 'Boissons']) {
    await page.getByLabel('Category name').fill(name);
    await page.getByLabel('Category name').press('Enter');
    await expect(page.getByRole('button', { name: `Remove ${name}` })).toBeVisible();
  }
  await page.getByLabel('Import a CSV file').setInputFiles(join(ROOT, 'docs/examples/catalog.csv'));
  await expect(page.getByRole('status').filter({ hasText: 'catalog.csv' })).toHaveText(
    'catalog.csv: 6 rows read, 6 products added or changed.',
  );
  await shoot(page, 'first-sale-catalog');

  // A picture for the croissant (item 6): a file that is not a picture is refused in words first.
  const croissant = page.locator('tr[data-sku="CROISSANT"]');
  await croissant.getByRole('button', { name: 'Picture of Croissant' }).click();
  const picture = page.getByRole('dialog', { name: 'Picture of Croissant' });
  await picture.getByLabel('Picture file').setInputFiles({
    name: 'croissant.png',
    mimeType: 'image/png',
    buffer: Buffer.from('not a picture at all, whatever its name says'),
  });
  await picture.getByRole('button', { name: 'Upload the picture' }).click();
  await expect(picture.getByRole('alert')).toContainText('This file is not a PNG, JPEG or WebP picture.');
  await picture.getByLabel('Picture file').setInputFiles({
    name: 'croissant.png',
    mimeType: 'image/png',
    buffer: await pictureOf(page),
  });
  await picture.getByRole('button', { name: 'Upload the picture' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Croissant' })).toHaveText(
    'Croissant has its new picture. Tills get it at their next sync.',
  );
  await expect(croissant.getByRole('img', { name: 'Picture of Croissant' })).toBeVisible();
  await shoot(page, 'first-sale-catalog-picture');

  // An enrollment code for the till.
  await menu(page).getByRole('link', { name: 'Enrollment codes' }).click();
  await page.getByLabel('Shop id').fill('boutique-dakar');
  await page.getByLabel('Country').fill('SN');
  await page.getByLabel('Currency').fill('XOF');
  await page.getByLabel('Label (optional)').fill('Caisse 1');
  await page.getByRole('button', { name: 'Issue the code' }).click();
  const code = (await page
    .getByRole('dialog', { name: 'Enrollment code for Shop boutique-dakar' })
    .getByTestId('enrollment-code')
    .textContent())!;
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await page.keyboard.press('Escape');

  // The till, in the app's own UI: its first screen offers both ways; it connects to this server.
  const till = await context.newPage();
  await till.goto(host.url);
  await expect(till.getByRole('heading', { name: 'Connect to my shop’s server' })).toBeVisible();
  await expect(till.getByRole('heading', { name: 'Run a local shop on this computer' })).toBeVisible();
  await shoot(till, 'first-run');
  await till.getByRole('link', { name: 'Enroll this terminal' }).click();
  await till.getByLabel('Enrollment code').fill(code);
  await till.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(till.getByTestId('enrollment')).toHaveText('Enrolled');
  await till.getByRole('link', { name: 'Sale' }).click();
  await sellOneBaguette(till);
  await shoot(till, 'first-sale-till');
  // The till's last sync brought the croissant's picture: it is on its quick key.
  await till.getByRole('link', { name: 'Sale' }).click();
  const key = till.locator('.quick-key').filter({ hasText: 'Croissant' });
  await expect(key.getByTestId('product-image')).toBeVisible();
  await expect(key.getByTestId('product-image')).toHaveJSProperty('naturalWidth', 64);
  await shoot(till, 'first-sale-till-picture');

  // The owner sees it in the day's takings.
  await page.bringToFront();
  await takingsShowTheBaguette(page, 'first-sale-takings');
});

test('no server: the app’s first screen runs a local shop, sells, and opens its back office', async ({
  page,
  context,
}) => {
  // The local shop's server starts its embedded database in the app's own process tree.
  test.setTimeout(300_000);
  host = await startWebHost({});
  await page.goto(host.url);
  const form = page.getByRole('form', { name: 'Run a local shop on this computer' });
  await form.getByLabel('Country and currency').selectOption('SN');
  await form.getByLabel('Shop name').fill('Boutique Awa');
  await form.getByLabel('Your email (the back office’s sign-in)').fill(OWNER.email);
  await form.getByLabel('Choose a password').fill('too short');
  await expect(form.getByRole('button', { name: 'Create my local shop' })).toBeDisabled();
  await form.getByLabel('Choose a password').fill(OWNER.password);
  await form.getByLabel('Repeat the password').fill(OWNER.password);
  await shoot(page, 'local-shop-form');
  await form.getByRole('button', { name: 'Create my local shop' }).click();
  const banner = page.getByRole('complementary', { name: 'Local shop: Boutique Awa' });
  await expect(banner.getByTestId('local-shop-state')).toHaveAttribute('data-state', 'running', {
    timeout: 180_000,
  });
  await expect(banner).toContainText('server runs on this computer only');
  await expect(banner).toContainText('To move to a real server');
  await sellOneBaguette(page);
  await page.getByRole('link', { name: 'Sale' }).click();
  await shoot(page, 'local-shop-till');

  // The back office of the local shop, in a browser tab of its own, already on the local server.
  const [office] = await Promise.all([
    context.waitForEvent('page'),
    banner.getByRole('link', { name: 'Open the back office' }).click(),
  ]);
  await expect(office).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/admin\/$/);
  await consoleSignIn(office, OWNER);
  await expect(office.getByText(`Signed in as ${OWNER.email}`)).toBeVisible();
  await takingsShowTheBaguette(office, 'local-shop-takings');
});
