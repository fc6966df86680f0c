import { test, type Page } from '@playwright/test';

/** What the back office's journeys share (issue #19): signing in, and screenshots at two sizes. */

/** The console's sign-in form; Enter submits. */
export async function consoleSignIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByLabel('Password').press('Enter');
}

/** Full-page screenshots at 1280×800 and on a 768×1024 tablet, attached to the test's output. */
export async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1280, 800],
    [768, 1024],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}x${height}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}
