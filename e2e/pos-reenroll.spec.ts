import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { adminPost, startWebHost } from './processes';
import { enrollAndOpenShift, TENANT, usePosWorld } from './pos-fixtures';

/**
 * Issue #16 follow-up at the till: its data directory is deleted (a re-imaged machine) while the
 * keychain keeps its identity and the anchor. The app starts again not enrolled and stopped; its
 * screens say what happened and that a manager needs a new code; the new code enrolls it again.
 */
const world = usePosWorld();

test('a till whose data directory was deleted explains itself and enrolls again with a new code', async ({
  page,
}) => {
  const shot = (name: string) =>
    page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
  await enrollAndOpenShift(page, world);

  const { dataDir } = world.host;
  await world.host.stop();
  for (const file of await readdir(dataDir!))
    await rm(join(dataDir!, file), { recursive: true, force: true });
  world.host = await startWebHost({ OUTPOST_SERVER_URL: world.server.url, OUTPOST_DATA_DIR: dataDir });
  await page.goto(world.host.url);

  const explained = /data was deleted or replaced.*new enrollment code from the back office/;
  await expect(page.getByTestId('pos-not-enrolled')).toContainText(explained);
  await shot('till-data-deleted');
  await page.getByRole('link', { name: 'Enroll this terminal' }).click();
  await expect(page.getByTestId('enrollment-data-lost')).toHaveText(explained);
  await shot('enroll-after-data-deleted');

  // The manager's new code from the back office (as enrollTill issues one).
  const { code } = (await adminPost(world.server, world.admin, '/offline/enrollment-codes', {
    ...TENANT,
    country: 'SN',
    currency_default: 'XOF',
  })) as { code: string };
  await page.getByLabel('Enrollment code').fill(code);
  await page.getByRole('button', { name: 'Enroll', exact: true }).click();
  await expect(page.getByTestId('enrollment')).toHaveText('Enrolled');
  await expect(page.getByTestId('enrollment-data-lost')).toHaveCount(0);
  await page.getByRole('link', { name: 'Sync' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
  await shot('reenrolled-and-synced');
});
