import { expect, test, type Page } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { publicKeyPem } from '../protocol/crypto/ed25519';
import { consoleSignIn, shoot } from './console-fixtures';
import { CATALOG, POLICY, TENANT } from './pos-fixtures';
import { adminPost, createAccount, startServer, type Running } from './processes';

/**
 * Issue #19, item 10, and the console at 768 px: the owner reads the server's health on Home,
 * searches the audit log, verifies the chain; someone rewrites a row in the database and the
 * console names it. Then every page with data, on a 768×1024 tablet: each table scrolls inside its
 * own container and the page never scrolls sideways. Real server, real PostgreSQL.
 */
let server: Running;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await test.info().attach('server output', { body: server?.output() ?? '', contentType: 'text/plain' });
  await server?.stop();
});

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto(`${server.url}/admin/`);
  await consoleSignIn(page, who);
  await expect(page.getByText(`Signed in as ${who.email}`)).toBeVisible();
}

const menu = (page: Page) => page.getByRole('navigation');

test('health at a glance, the audit log, and a rewritten row named by "Verify the chain"', async ({
  page,
}) => {
  const owner = await createAccount(server, 'pay_admin,ops', 'owner');
  await signIn(page, owner);

  const health = page.getByRole('region', { name: 'Server health' });
  await expect(health.locator('li[data-health]').filter({ hasText: 'Database' })).toContainText('Connected');
  await expect(health).toContainText('Read at');
  await expect(health.getByRole('link', { name: 'Raw metrics for operators (Prometheus)' })).toHaveAttribute(
    'href',
    '/metrics',
  );
  await shoot(page, 'home-health');

  await menu(page).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  // The owner's own sign-in is in the log, under their email.
  const search = page.getByRole('form', { name: 'Search' });
  await search.getByLabel('Who (email or id)').fill(owner.email);
  await search.getByLabel('Action (e.g. policy.changed, or auth.)').fill('console.');
  await search.getByRole('button', { name: 'Search' }).click();
  const rows = page.locator('tr[data-audit-id]');
  await expect(rows.first()).toContainText(owner.email);
  await expect(rows.first()).toContainText('console.');

  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.locator('[data-verified="ok"]')).toContainText('The chain is intact');
  await shoot(page, 'audit-verified');

  // Someone with the database (not the server's master secret) rewrites one row.
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  let victim: string;
  try {
    await db.query('ALTER TABLE offline_audit_logs DISABLE TRIGGER USER');
    const { rows: picked } = await db.query<{ id: string }>(
      'SELECT id::text AS id FROM offline_audit_logs ORDER BY id LIMIT 1',
    );
    victim = picked[0]!.id;
    await db.query(`UPDATE offline_audit_logs SET details = '{"forged": true}' WHERE id = $1`, [victim]);
    await db.query('ALTER TABLE offline_audit_logs ENABLE TRIGGER USER');
  } finally {
    await db.end();
  }
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  const broken = page.locator('[data-verified="broken"]');
  await expect(broken).toHaveAttribute('data-row', victim);
  await expect(broken).toContainText(`The chain is broken at row ${victim}`);
  await expect(broken.locator('[data-reason="hash_mismatch"]')).toHaveText(
    'Why: the row’s hash does not match it (its content changed).',
  );
  // One row read (the first): the count agrees with its noun.
  await expect(broken).toContainText('(1 row read, at');
  await shoot(page, 'audit-broken');
});

test('on a 768×1024 tablet every table scrolls in its own box and no page scrolls sideways', async ({
  page,
}) => {
  const owner = await createAccount(server, 'pay_admin,ops', 'owner');
  const signedIn = await fetch(`${server.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(owner),
  });
  const token = ((await signedIn.json()) as { access_token: string }).access_token;
  // Data for the tables: a policy, products, an enrollment code, a till (wide ids, long names).
  await adminPost(server, token, '/offline/policies', POLICY);
  await adminPost(server, token, '/offline/catalog', { ...TENANT, items: CATALOG });
  await adminPost(server, token, '/offline/enrollment-codes', {
    ...TENANT,
    country: 'SN',
    currency_default: 'XOF',
    label: 'Caisse du comptoir principal, entrée rue Mohamed V',
  });
  await adminPost(server, token, '/offline/devices', {
    device_id: 'POS-DAKAR-PLATEAU-COMPTOIR-PRINCIPAL-0001',
    tenant_type: TENANT.tenant_type,
    tenant_id: TENANT.tenant_id,
    pubkey_pem: publicKeyPem(generateKeyPairSync('ed25519').publicKey),
    x25519_pub: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!,
    country: 'SN',
    currency_default: 'XOF',
  });

  await page.setViewportSize({ width: 768, height: 1024 });
  await signIn(page, owner);
  const links = await menu(page).getByRole('link').all();
  const names = await Promise.all(links.map((l) => l.textContent()));
  let tables = 0;
  for (const name of names) {
    await menu(page).getByRole('link', { name: name!, exact: true }).click();
    await expect(page.locator('main h1')).toBeVisible();
    if (name === 'Catalog') {
      await page.getByLabel('Tenant id (as its tills were enrolled)').fill(TENANT.tenant_id);
      await page.getByRole('button', { name: 'Open' }).click();
    }
    await page.waitForLoadState('networkidle');
    await page.screenshot({
      path: test.info().outputPath(`tablet-${name!.replace(/\W+/g, '-')}.png`),
      fullPage: true,
    });
    // Measured in the page (e2e code is typed without the DOM): how far the page scrolls sideways, and
    // for each table the nearest ancestor that scrolls sideways (not the page itself) and its right edge.
    const layout = (await page.evaluate(`(() => {
      const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
      const root = document.documentElement;
      return {
        page: root.scrollWidth - root.clientWidth,
        tables: [...document.querySelectorAll('main table')].map((table) => {
          let box = table.parentElement;
          while (box && !scrolls(box)) box = box.parentElement;
          const boxed = box !== null && box !== root && box !== document.body;
          return { boxed, boxRight: boxed ? box.getBoundingClientRect().right : Infinity };
        }),
      };
    })()`)) as { page: number; tables: { boxed: boolean; boxRight: number }[] };
    expect([name, 'page scrolls sideways by', layout.page]).toEqual([name, 'page scrolls sideways by', 0]);
    for (const t of layout.tables) {
      expect([name, t.boxed]).toEqual([name, true]);
      expect(t.boxRight).toBeLessThanOrEqual(768);
    }
    tables += layout.tables.length;
  }
  // People, Tills, Enrollment codes, Policies, Catalog and Audit log at least held one.
  expect(tables).toBeGreaterThanOrEqual(6);
});
