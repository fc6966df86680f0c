import { expect, test } from '@playwright/test';
import { startServer, startWebHost, type Running } from './processes';

let server: Running;
let host: Running;

test.beforeEach(async () => {
  server = await startServer();
  host = await startWebHost({ OUTPOST_SERVER_URL: server.url });
});
test.afterEach(async () => {
  await host?.stop();
  await server?.stop();
});

test('the app shell shows live device status and follows the server going away and coming back', async ({
  page,
}) => {
  // It starts the server twice: each start takes most of a minute on a loaded machine.
  test.setTimeout(150_000);
  await page.goto(host.url);
  // The token leaves the address bar once the page has it.
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const reach = page.getByTestId('server-reachability');
  await expect(reach).toHaveText('Server online');

  await server.stop();
  await expect(reach).toHaveText('Offline');

  server = await startServer({ PORT: new URL(server.url).port });
  // The probe backs off while the server is away: the next one may be a few seconds out.
  await expect(reach).toHaveText('Server online', { timeout: 30_000 });
});

test('a cashier moves between screens and switches the app to French', async ({ page }) => {
  await page.goto(host.url);
  for (const [link, heading] of [
    ['Library', 'Library'],
    ['Sync', 'Sync'],
    ['Settings', 'Settings'],
    ['Sale', 'Sale'],
  ] as const) {
    await page.getByRole('link', { name: link }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  }
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('device-facts')).toContainText('Not enrolled');
  await page.getByLabel('Language').selectOption('fr');
  await page.getByLabel('Terminal name').fill('Caisse 2');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Réglages');
  await expect(page.getByRole('link', { name: 'Vente' })).toBeVisible();
  await expect(page.locator('.terminal')).toHaveText('Caisse 2');

  // Settings live in the core, not the page: a reload keeps them.
  await page.reload();
  await expect(page.getByRole('link', { name: 'Bibliothèque' })).toBeVisible();
});

test('a bad setting is refused with a readable message and nothing is saved', async ({ page }) => {
  await page.goto(host.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Currency').fill('ZZZ');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('currency');
  await page.reload();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Currency')).toHaveValue('XOF');
});

// Attack (issue #16): a server address in plain http to another machine would carry passwords and
// sales in clear. Settings refuses it with its own code, in words, and keeps the old address.
test('a plain-http server address of another machine is refused in Settings', async ({ page }) => {
  await page.goto(host.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Server address').fill('http://example.org');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('must start with https://');
  await page.reload();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Server address')).toHaveValue(server.url);
});

test('the page cannot reach the API without the token', async ({ page }) => {
  const origin = new URL(host.url).origin;
  await page.goto(`${origin}/`);
  await expect(page.getByText('Lost contact with the app. Reconnecting…')).toBeVisible();
  await expect(page.getByTestId('server-reachability')).toHaveText('Checking server…');
});
