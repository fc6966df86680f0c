import { expect, test } from '@playwright/test';
import { adminPost, createAdmin, startServer, startWebHost, type Running } from './processes';

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

test('a cashier enrolls the till with the one-time code the admin issued', async ({ page }) => {
  const admin = await createAdmin(server);
  const { code } = (await adminPost(server, admin, '/offline/enrollment-codes', {
    tenant_type: 'merchant',
    tenant_id: 'boutique-dakar',
    country: 'SN',
    currency_default: 'XOF',
  })) as { code: string };

  await page.goto(host.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('device-id')).toHaveText(/^OP-/);
  await expect(page.getByTestId('enrollment')).toHaveText('Not enrolled');

  // A mistyped code is refused in words, and nothing changes.
  await page.getByLabel('Enrollment code').fill('AAAA-BBBB-CCCC');
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(/not valid/);
  await expect(page.getByTestId('enrollment')).toHaveText('Not enrolled');

  await page.getByLabel('Enrollment code').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page.getByTestId('enrollment')).toHaveText('Enrolled');
  await expect(page.getByTestId('device-facts')).toContainText('POS terminal');
  await expect(page.getByRole('button', { name: 'Check in with the server now' })).toBeVisible();
});
