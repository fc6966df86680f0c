import { expect, test, type Locator, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { generateEd25519, publicKeyRaw } from '../protocol/crypto/ed25519';
import { issuePaymentToken } from '../protocol/qr';
import { adminPost, createAdmin, startServer, startWebHost, tempDir, type Running } from './processes';

/**
 * What every till story starts from: a real server on its own PostgreSQL database, the browser
 * host's core pointed at it, a country policy and a catalog set by an admin.
 */

export const TENANT = { tenant_type: 'merchant', tenant_id: 'boutique-dakar' };
export const POLICY = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 20_000,
  max_offline_per_device_per_day: 50,
  max_unsynced_amount: 500_000,
  max_bundle_age_hours: 72,
  approval_threshold: 15_000,
  enabled: true,
};
const item = (sku: string, barcode: string, name: string, price: number, tax: number) => ({
  sku,
  barcode,
  name,
  price_minor: price,
  currency: 'XOF',
  tax_rate_bp: tax,
  active: true,
});
export const CATALOG = [
  item('rice-1kg', '6001234567890', 'Riz parfumé 1kg', 1000, 1800),
  item('oil-1l', '6001234567906', 'Huile 1L', 1500, 1800),
  item('sugar-1kg', '6001234567913', 'Sucre 1kg', 750, 0),
  item('tv-32', '6001234567920', 'Téléviseur 32 pouces', 25_000, 1800),
  // Above the approval threshold, below the maximum: a manager may let it through.
  item('radio-fm', '6001234567937', 'Radio FM', 16_000, 0),
];
export const BARCODE = {
  rice: '6001234567890',
  oil: '6001234567906',
  sugar: '6001234567913',
  tv: '6001234567920',
  radio: '6001234567937',
} as const;

export interface PosWorld {
  server: Running;
  host: Running;
  /** Kept so a restarted server finds its keys (the master key lives in its data directory). */
  serverDir: string;
  /** The admin's bearer token, once enrollAndOpenShift has created one. */
  admin: string;
  /** The network is cut: the server process stops. */
  stopServer(): Promise<void>;
  /** The network returns: the same server (port, data directory, database) starts again. */
  restartServer(): Promise<void>;
  /**
   * The app is closed (`SIGTERM`) or crashes (`SIGKILL`, nothing flushed) and is started again on
   * the same data directory; the page opens it, as the cashier reopening the app.
   */
  restartHost(page: Page, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface PosWorldOptions {
  /** The till's OS clock is this far from the real time (ms), from the start (OUTPOST_CLOCK_OFFSET_FILE). */
  clockOffsetMs?: number;
  /** The till's push window (OUTPOST_SALE_PUSH_WINDOW_MS); the app's default (3 s) when absent. */
  salePushWindowMs?: number;
}

/** Registers the hooks that start and stop the processes around each test of the file. */
export function usePosWorld(options: PosWorldOptions = {}): PosWorld {
  const world = { admin: '' } as PosWorld;
  let port = '0';
  let hostEnv: NodeJS.ProcessEnv = {};
  world.restartHost = async (page, signal) => {
    const { process: child, dataDir } = world.host;
    if (signal === 'SIGKILL') {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    } else await world.host.stop();
    world.host = await startWebHost({ ...hostEnv, OUTPOST_DATA_DIR: dataDir });
    await page.goto(world.host.url);
  };
  world.stopServer = async () => {
    port = new URL(world.server.url).port;
    await world.server.stop();
  };
  world.restartServer = async () => {
    world.server = await startServer({
      PORT: port,
      DATABASE_URL: world.server.databaseUrl,
      OUTPOST_DATA_DIR: world.serverDir,
    });
  };
  test.beforeEach(async () => {
    // A story starts three processes and enrolls: on a loaded 2-core machine that alone can take a minute.
    test.setTimeout(180_000);
    world.serverDir = await tempDir('server');
    world.server = await startServer({ OUTPOST_DATA_DIR: world.serverDir });
    hostEnv = { OUTPOST_SERVER_URL: world.server.url };
    if (options.clockOffsetMs !== undefined) {
      const clockFile = join(await tempDir('clock'), 'offset-ms');
      await writeFile(clockFile, String(options.clockOffsetMs));
      hostEnv.OUTPOST_CLOCK_OFFSET_FILE = clockFile;
    }
    if (options.salePushWindowMs !== undefined)
      hostEnv.OUTPOST_SALE_PUSH_WINDOW_MS = String(options.salePushWindowMs);
    world.host = await startWebHost(hostEnv);
  });
  test.afterEach(async () => {
    const testInfo = test.info();
    // What the processes said is what explains most failures of a story like these.
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('host output', { body: world.host?.output() ?? '', contentType: 'text/plain' });
      await testInfo.attach('server output', {
        body: world.server?.output() ?? '',
        contentType: 'text/plain',
      });
    }
    await world.host?.stop();
    await world.server?.stop();
  });
  return world;
}

/** The till's first manager, created on the fresh till's first-use form by enrollAndOpenShift. */
export const MANAGER = { id: 'awa', name: 'Awa Ndiaye', pin: '4821' } as const;

/**
 * The admin's side, then the cashier enrolls the till from Settings; on the fresh till the first
 * manager is created and signs in (keyboard only), and opens a shift.
 */
export async function enrollAndOpenShift(page: Page, world: PosWorld): Promise<void> {
  await enrollTill(page, world);
  await page.getByRole('link', { name: 'Sale' }).click();
  await createFirstManager(page);
  await signIn(page, MANAGER.id, MANAGER.pin);
  await openShift(page);
}

/** The admin sets a policy, a catalog and an enrollment code; the till enrolls and syncs once. */
export async function enrollTill(page: Page, world: PosWorld): Promise<void> {
  const { server, host } = world;
  world.admin = await createAdmin(server);
  await adminPost(server, world.admin, '/offline/policies', POLICY);
  await adminPost(server, world.admin, '/offline/catalog', { ...TENANT, items: CATALOG });
  const { code } = (await adminPost(server, world.admin, '/offline/enrollment-codes', {
    ...TENANT,
    country: 'SN',
    currency_default: 'XOF',
  })) as { code: string };

  await page.goto(host.url);
  await expect(page.getByTestId('pos-not-enrolled')).toContainText('not enrolled');
  await page.getByRole('link', { name: 'Enroll this terminal' }).click();
  await page.getByLabel('Enrollment code').fill(code);
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page.getByTestId('enrollment')).toHaveText('Enrolled');

  // The first sync after enrolling brings the catalog.
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
}

/** The fresh till's first-use form (the Sale screen open): ID, name, PIN twice, from the keyboard. */
export async function createFirstManager(page: Page): Promise<void> {
  const form = page.getByTestId('first-manager');
  await expect(form.getByLabel('Cashier ID')).toBeFocused();
  for (const text of [MANAGER.id, MANAGER.name, MANAGER.pin, MANAGER.pin]) {
    await page.keyboard.type(text);
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await expect(form).toHaveCount(0);
}

/** The locked till: ID, Tab, PIN, Enter, as a cashier signs in. */
export async function signIn(page: Page, cashierId: string, pin: string): Promise<void> {
  const form = page.getByTestId('cashier-sign-in');
  await expect(form.getByLabel('Cashier ID')).toBeFocused();
  await page.keyboard.type(cashierId);
  await page.keyboard.press('Tab');
  await page.keyboard.type(pin);
  await page.keyboard.press('Enter');
  await expect(form).toHaveCount(0);
}

/** The shift opens with a float of 10,000, read back and confirmed before it is recorded. */
export async function openShift(page: Page): Promise<void> {
  await page.getByLabel('Cash float').fill('10 000');
  await page.getByRole('button', { name: 'Open shift' }).click();
  await confirmDrawer(page, 'Cash float', /10,000/);
  await expect(page.getByTestId('shift-info')).toContainText(/10,000/);
}

/**
 * The float, a paid-in or a paid-out read back before it is recorded: the amount (and reason) are
 * shown, the focus is on "Correct the amount", and Tab then Enter records it.
 */
export async function confirmDrawer(
  page: Page,
  what: string,
  amount: RegExp,
  reason?: string,
): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Check before recording' });
  await expect(dialog).toContainText(what);
  await expect(dialog.getByTestId('drawer-confirm-amount')).toHaveText(amount);
  if (reason) await expect(dialog.getByTestId('drawer-confirm-reason')).toHaveText(reason);
  await expect(dialog.getByRole('button', { name: 'Correct the amount' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
}

export const searchBox = (page: Page) =>
  page.getByRole('combobox', { name: 'Search products or scan a barcode' });

/** Switches the app's language in Settings (from English); waits until the page speaks it. */
export async function chooseLanguage(page: Page, language: 'fr' | 'id'): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Language').selectOption(language);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', language);
}

/**
 * A wallet's key, registered on the server by an admin (the till learns it from the server);
 * answers the wallet's signed payment QR for an amount and a payer.
 */
export async function registerWallet(world: PosWorld): Promise<(amount: number, payer: string) => string> {
  const wallet = generateEd25519();
  await adminPost(world.server, world.admin, '/offline/qr/issuers', {
    issuer_id: 'wave',
    key_id: '2026-03',
    name: 'Wave',
    public_key: publicKeyRaw(wallet.publicKey).toString('base64url'),
  });
  return (amount, payer) =>
    issuePaymentToken(
      {
        issuer_id: 'wave',
        key_id: '2026-03',
        payer_ref: payer,
        amount_minor: amount,
        currency: 'XOF',
        now: Date.now(),
      },
      wallet.privateKey,
    );
}

/**
 * Saves a cashier account in Settings → Cashiers (the Settings screen open); `by` is an existing
 * manager's ID and PIN, needed once the till has a manager.
 */
export async function saveCashier(
  page: Page,
  account: { id: string; name: string; role: 'Cashier' | 'Manager'; pin: string },
  by?: [string, string],
): Promise<void> {
  const accounts = page.getByRole('region', { name: 'Cashiers' });
  await accounts.getByLabel('Cashier ID').fill(account.id);
  await accounts.getByLabel('Name').fill(account.name);
  await accounts.getByLabel('Role').selectOption({ label: account.role });
  await accounts.getByLabel('New PIN', { exact: true }).fill(account.pin);
  await accounts.getByLabel('Repeat the new PIN').fill(account.pin);
  if (by) {
    await accounts.getByLabel('Manager ID').fill(by[0]);
    await accounts.getByLabel('Manager’s PIN').fill(by[1]);
  }
  await accounts.getByRole('button', { name: 'Save cashier' }).click();
  await expect(page.getByTestId('cashier-message')).toContainText(`${account.name} saved.`);
}

/** Presses Tab until `target` has the focus (keyboard only, as a cashier moves). */
export async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('not reached within 60 tabs');
}

/** A scanner types the digits and Enter. */
export async function scan(
  page: Page,
  barcode: string,
  expect_: { added: boolean } = { added: true },
): Promise<void> {
  const before = await itemsInCart(page);
  await typeBarcode(searchBox(page), barcode);
  // The product is looked up after Enter: a key pressed before it is in the cart (F3, the exact
  // amount) would act on the cart without it, as it would for a cashier faster than the lookup.
  if (expect_.added) await expect.poll(() => itemsInCart(page)).toBeGreaterThan(before);
}

/** How many items the cart holds (the sum of its lines' quantities). */
async function itemsInCart(page: Page): Promise<number> {
  const quantities = await page.getByTestId('qty').allTextContents();
  return quantities.reduce((sum, q) => sum + Number(q), 0);
}

/**
 * Types a barcode into the search box and presses Enter, as a cashier does when a label will not
 * scan. Not key by key: keys typed one by one on a loaded machine can pause mid-code, and a fast
 * tail then reads as a wedge scanner's burst of part of the code (scan-detector.ts), which is the
 * detector doing its job. Wedge timing has its own journeys (scan-focus.spec.ts).
 */
export async function typeBarcode(search: Locator, barcode: string): Promise<void> {
  await search.fill(barcode);
  await search.press('Enter');
}

/** Runs one query on the server's own database, as an auditor with read access would. */
export async function serverSql<R extends pg.QueryResultRow>(
  server: Running,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The till's device id, read on Settings; back on the Sale screen after. */
export async function tillDeviceId(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Settings' }).click();
  // The screen shows a placeholder until the core's status arrives: wait for the id itself.
  await expect(page.getByTestId('device-id')).toHaveText(/^OP-/);
  const deviceId = (await page.getByTestId('device-id').textContent())?.trim() ?? '';
  await page.getByRole('link', { name: 'Sale' }).click();
  return deviceId;
}
