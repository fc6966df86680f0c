import { expect, test, type Page } from '@playwright/test';
import { startServer, type Running } from './processes';
import { shoot } from './screens';

/**
 * Issue #19, items 1-3: a fresh server → the setup link from its log → the first administrator →
 * sign in → invite a teacher → the teacher follows the link, chooses a password, signs in and sees
 * only what a teacher may. Real server, real PostgreSQL, the browser alone.
 */
let server: Running;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await test.info().attach('server output', { body: server?.output() ?? '', contentType: 'text/plain' });
  await server?.stop();
});

const OWNER = { email: 'owner@boutique.example', password: 'owner long password' };
const TEACHER = { email: 'teacher@school.example', password: 'teacher long password' };

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  // Enter submits.
  await page.getByLabel('Password').press('Enter');
}

test('first run to a signed-in teacher, through the back office alone', async ({ page }) => {
  const setupUrl = /(http:\/\/\S+\/admin\/#setup=[A-Za-z0-9_-]{43})/.exec(server.output())?.[1];
  expect(setupUrl, 'the server logs a setup link while no user exists').toBeTruthy();

  // The console is served with a strict CSP.
  const res = await page.goto(`${server.url}/admin/`);
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');

  await page.goto(setupUrl!);
  await expect(page.getByRole('heading', { name: 'Create the first administrator' })).toBeVisible();
  await shoot(page, 'setup');
  await page.getByLabel('Your email').fill(OWNER.email);
  await page.getByLabel('Choose a password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create the administrator' }).click();
  await expect(page.getByRole('status')).toHaveText(
    `The administrator ${OWNER.email} is created. Sign in with it.`,
  );

  // The link is dead now: a replay says so in words, with the server's code.
  await page.goto(setupUrl!);
  await page.getByLabel('Your email').fill('thief@evil.example');
  await page.getByLabel('Choose a password').fill('a thief password');
  await page.getByRole('button', { name: 'Create the administrator' }).click();
  await expect(page.getByRole('alert')).toContainText('The first administrator exists already');
  await expect(page.getByRole('alert')).toContainText('SETUP_DONE');

  await page.goto(`${server.url}/admin/`);
  await signIn(page, OWNER);
  await expect(page.getByText(`Signed in as ${OWNER.email}`)).toBeVisible();
  await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
  await expect(page.getByRole('heading', { name: 'People' })).toBeVisible();
  await expect(page.locator(`tr[data-email="${OWNER.email}"]`)).toContainText('Active');

  await page.getByRole('button', { name: 'Invite someone' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite someone' });
  await invite.getByLabel('Email').fill(TEACHER.email);
  await invite.getByLabel('Teacher').check();
  await invite.getByRole('button', { name: 'Send the invitation' }).click();
  const linkDialog = page.getByRole('dialog', { name: `Give this link to ${TEACHER.email}` });
  const inviteUrl = (await linkDialog.getByTestId('person-link').textContent())!;
  expect(inviteUrl).toMatch(/\/admin\/#link=[A-Za-z0-9_-]{43}$/);
  await shoot(page, 'people-invite-link');
  // Escape closes the dialog.
  await page.keyboard.press('Escape');
  await expect(linkDialog).toBeHidden();
  await expect(page.locator(`tr[data-email="${TEACHER.email}"]`)).toContainText('Invited');
  await shoot(page, 'people');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the back office' })).toBeVisible();

  await page.goto(inviteUrl);
  await page.getByLabel('New password').fill(TEACHER.password);
  await page.getByRole('button', { name: 'Save the password' }).click();
  await expect(page.getByRole('status')).toContainText(`Your password is saved for ${TEACHER.email}`);
  await signIn(page, TEACHER);
  await expect(page.getByText(`Signed in as ${TEACHER.email}`)).toBeVisible();
  await expect(page.getByText('Your roles: Teacher.')).toBeVisible();
  // A teacher's menu has no People, and typing its address shows the home page instead.
  await expect(page.getByRole('navigation').getByRole('link', { name: 'People' })).toHaveCount(0);
  await page.goto(`${server.url}/admin/#/people`);
  await expect(page.getByRole('heading', { name: 'Welcome' })).toBeVisible();
  // The server agrees: the teacher's own session is refused the people routes.
  const status = await page.evaluate(async () => (await fetch('/console/users')).status);
  expect(status).toBe(403);
  await shoot(page, 'teacher-home');

  // The same console in French.
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Bienvenue' })).toBeVisible();
  await expect(page.getByText('Vos rôles : Enseignant.')).toBeVisible();
  await shoot(page, 'teacher-home-fr');
});
