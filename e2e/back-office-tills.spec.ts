import { expect, test, type Page } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import { create } from 'qrcode';
import { publicKeyPem } from '../protocol/crypto/ed25519';
import { formatMoney } from '../protocol/money';
import { consoleSignIn as signInToConsole, shoot } from './console-fixtures';
import { usePosWorld } from './pos-fixtures';
import { adminPost, createAccount, type Running } from './processes';

/**
 * Issue #19, items 4 and 5, through the back office alone: an administrator sets a country's policy
 * (a refusal shown beside its field first), issues an enrollment code (text and QR), a till enrolls
 * with it through the till's own UI, the administrator revokes it and the till says it is out of
 * service; a person's laptop is deregistered; an ops user and a teacher see only their pages.
 */
const world = usePosWorld();

async function consoleSignIn(page: Page, server: Running, who: { email: string; password: string }) {
  await page.goto(`${server.url}/admin/`);
  await signInToConsole(page, who);
  await expect(page.getByText(`Signed in as ${who.email}`)).toBeVisible();
}

const menu = (page: Page) => page.getByRole('navigation');
const xof = (minor: number) => formatMoney(minor, 'XOF', 'en');

/** A student's laptop registered for materials, as the app does it (its own keys, the student's token). */
async function registerLaptop(server: Running): Promise<{ email: string; deviceId: string }> {
  const student = await createAccount(server, 'student', 'student');
  const signedIn = await fetch(`${server.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(student),
  });
  const token = ((await signedIn.json()) as { access_token: string }).access_token;
  const deviceId = `LAPTOP-${Date.now()}`;
  await adminPost(server, token, '/api/v1/offline/devices', {
    device_id: deviceId,
    fingerprint: `fp-${deviceId}`,
    name: 'Aminata’s laptop',
    platform: 'linux',
    pubkey_pem: publicKeyPem(generateKeyPairSync('ed25519').publicKey),
    x25519_pub: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!,
  });
  return { email: student.email, deviceId };
}

test('policy, enrollment code, a till enrolled with it and revoked; laptops; each role its pages', async ({
  page,
}) => {
  // Four pages, a till enrolled through its own UI and three sign-ins: more than a till story alone.
  test.setTimeout(300_000);
  const { server, host } = world;
  const owner = await createAccount(server, 'pay_admin,ops', 'owner');
  const laptop = await registerLaptop(server);
  await consoleSignIn(page, server, owner);

  // No till yet: the page says how to add one.
  await menu(page).getByRole('link', { name: 'Tills' }).click();
  await expect(page.getByText('No till yet. To add one:')).toBeVisible();
  await expect(page.getByRole('link', { name: /Issue an enrollment code/ })).toBeVisible();
  await shoot(page, 'tills-empty');

  // ---- Policy: refused in words beside the field first, then saved; the history shows before → after.
  await menu(page).getByRole('link', { name: 'Policies' }).click();
  await page.getByRole('button', { name: 'Add a country' }).click();
  const form = page.getByRole('form', { name: 'New country policy' });
  await form.getByLabel('Country').fill('SN');
  await form.getByLabel('Currency').fill('XOF');
  await form.getByLabel('Largest offline sale').fill('20000');
  await form.getByLabel('Most a till may hold unsent').fill('500000');
  await form.getByLabel('Manager approval above').fill('600000');
  await form.getByLabel('Offline sales per till per day').fill('50');
  await form.getByLabel('Oldest unsent sales (hours)').fill('72');
  await form.getByRole('button', { name: 'Save the policy' }).click();
  await expect(form.getByRole('alert')).toContainText('Some values are not valid');
  await expect(form.getByRole('alert')).toContainText('VALIDATION_FAILED');
  const approval = form.getByLabel('Manager approval above');
  await expect(approval).toHaveAttribute('aria-invalid', 'true');
  await expect(approval).toHaveAccessibleDescription(
    'Must not be more than the most a till may hold unsent.',
  );
  await shoot(page, 'policy-refused');
  await approval.fill('15000');
  await form.getByRole('button', { name: 'Save the policy' }).click();
  await expect(page.getByRole('status')).toHaveText('The policy of SN is saved (version 1).');
  await expect(page.getByRole('status')).toBeFocused();

  const edit = page.getByRole('form', { name: 'Policy of SN' });
  await edit.getByLabel('Largest offline sale').fill('25000');
  await edit.getByRole('button', { name: 'Save the policy' }).click();
  await expect(page.getByRole('status')).toHaveText('The policy of SN is saved (version 2).');
  const history = page.getByRole('region', { name: 'Changes to the policy of SN' });
  const latest = history.locator('tr[data-version="2"]');
  await expect(latest).toContainText(owner.email);
  await expect(latest.locator('li')).toHaveText([`Largest offline sale: ${xof(20_000)} → ${xof(25_000)}`]);
  await expect(history.locator('tr[data-version="1"]')).toContainText('Created with:');
  await expect(page.locator('tr[data-country="SN"]')).toContainText(xof(25_000));
  await shoot(page, 'policy-history');

  // ---- Enrollment code: text and QR, both exactly what the server issued.
  await menu(page).getByRole('link', { name: 'Enrollment codes' }).click();
  await page.getByLabel('Shop id').fill('boutique-dakar');
  await page.getByLabel('Country').fill('SN');
  await page.getByLabel('Currency').fill('XOF');
  await page.getByLabel('Label (optional)').fill('Caisse 1');
  const issuedResponse = page.waitForResponse(
    (r) => r.url().endsWith('/offline/enrollment-codes') && r.request().method() === 'POST',
  );
  await page.getByRole('button', { name: 'Issue the code' }).click();
  const issued = (await (await issuedResponse).json()) as { code: string; qr_payload: string };
  const shown = page.getByRole('dialog', { name: 'Enrollment code for Shop boutique-dakar' });
  await expect(shown.getByTestId('enrollment-code')).toHaveText(issued.code);
  const qr = shown.getByRole('img', { name: `QR code of the enrollment code ${issued.code}` });
  await expect(qr).toHaveAttribute('data-payload', issued.qr_payload);
  // The drawn modules are the QR symbol of that payload, module for module.
  const drawn = await qr.locator('path').getAttribute('d');
  const { modules } = create(issued.qr_payload, { errorCorrectionLevel: 'M' });
  const dark = new Set([...(drawn ?? '').matchAll(/M(\d+) (\d+)/g)].map((m) => `${m[2]},${m[1]}`));
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++)
      expect(dark.has(`${r},${c}`), `module ${r},${c}`).toBe(modules.get(r, c) === 1);
  await shoot(page, 'enrollment-code');
  await page.keyboard.press('Escape');
  await expect(shown).toBeHidden();
  await expect(page.getByRole('row', { name: /Caisse 1/ })).toContainText('Unused');

  // ---- The till enrolls with the code typed as its scanner would, in its own UI.
  const till = await page.context().newPage();
  await till.goto(host.url);
  await till.getByRole('link', { name: 'Enroll this terminal' }).click();
  await till.getByLabel('Enrollment code').fill(issued.qr_payload);
  await till.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(till.getByTestId('enrollment')).toHaveText('Enrolled');
  await till.getByRole('link', { name: 'Sync' }).click();
  await till.getByRole('button', { name: 'Sync now' }).click();
  await expect(till.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');

  // ---- The till in the list, then revoked after a confirmation that says what happens.
  await page.bringToFront();
  await menu(page).getByRole('link', { name: 'Tills' }).click();
  const row = page.locator('tr[data-device-id]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('In service');
  await expect(row).toContainText('boutique-dakar');
  await expect(row.locator('time')).toBeVisible();
  await shoot(page, 'tills');
  await row.getByRole('button', { name: /^Revoke / }).click();
  const confirm = page.getByRole('dialog', { name: /^Revoke the till / });
  await expect(confirm).toContainText('its sales are no longer sent (pushes)');
  await shoot(page, 'till-revoke-confirm');
  await confirm.getByLabel('Why').fill('Stolen from the shop');
  await confirm.getByRole('button', { name: 'Revoke the till' }).click();
  await expect(page.getByRole('status')).toContainText('is revoked');
  await expect(page.getByRole('status')).toBeFocused();
  await expect(row).toContainText('Revoked');
  await expect(row.getByRole('button')).toHaveCount(0);

  // The server refuses it from now on: at its next check-in the till learns it and says so.
  await till.getByRole('link', { name: 'Settings' }).click();
  await till.getByRole('button', { name: 'Check in with the server now' }).click();
  await expect(till.getByTestId('enrollment')).toHaveText('Revoked');
  await till.getByRole('link', { name: 'Sale' }).click();
  await expect(till.getByText('This terminal has been removed from service by the server')).toBeVisible();
  await till.close();

  // ---- Laptops, per person; deregistering asks first.
  await menu(page).getByRole('link', { name: 'Laptops' }).click();
  const person = page.getByRole('region', { name: laptop.email });
  await expect(person.locator(`tr[data-device-id="${laptop.deviceId}"]`)).toContainText('Registered');
  await person.getByRole('button', { name: `Deregister Aminata’s laptop of ${laptop.email}` }).click();
  const sure = page.getByRole('dialog', { name: /^Deregister Aminata’s laptop/ });
  await expect(sure).toContainText('Its licences are revoked');
  await sure.getByRole('button', { name: 'Deregister the laptop' }).click();
  await expect(page.getByRole('status')).toContainText('is deregistered; 0 licences revoked.');
  await expect(person.locator(`tr[data-device-id="${laptop.deviceId}"]`)).toContainText('Deregistered');
  await shoot(page, 'laptops');

  // ---- Each role sees its pages only; the server refuses the rest.
  const ops = await createAccount(server, 'ops', 'ops');
  const teacher = await createAccount(server, 'teacher', 'teacher');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await consoleSignIn(page, server, ops);
  await expect(menu(page).getByRole('link')).toHaveText([
    'Home',
    'Tills',
    'Enrollment codes',
    'Policies',
    'Review',
    'Sales',
    'Takings',
    'Ledger',
    'Audit log',
  ]);
  await menu(page).getByRole('link', { name: 'Tills' }).click();
  await expect(page.locator('tr[data-device-id]')).toContainText('Revoked');
  // The same page in French.
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.locator('tr[data-device-id]')).toContainText('Révoquée');
  await shoot(page, 'tills-ops-fr');
  await page.getByLabel('Langue').selectOption('en');
  await menu(page).getByRole('link', { name: 'Enrollment codes' }).click();
  await expect(page.getByRole('heading', { name: 'Codes not yet used' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Issue the code' })).toHaveCount(0);
  expect(await page.evaluate(async () => (await fetch('/offline/laptops')).status)).toBe(403);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await consoleSignIn(page, server, teacher);
  await expect(menu(page).getByRole('link')).toHaveText(['Home', 'Materials', 'Classes']);
  await page.goto(`${server.url}/admin/#/tills`);
  await expect(page.getByRole('heading', { name: 'Welcome' })).toBeVisible();
  for (const path of ['/offline/tills', '/offline/enrollment-codes', '/offline/policies'])
    expect(await page.evaluate(async (p) => (await fetch(p)).status, path), path).toBe(403);
});
