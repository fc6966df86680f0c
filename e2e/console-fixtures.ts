import { test, type Page } from '@playwright/test';

/** The back office's sign-in form, filled and sent with Enter, as a person at a keyboard does. */
export async function signInToConsole(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByLabel('Password').press('Enter');
}

/** Full-page screenshots at 1280×800 and on a 768×1024 tablet, kept with the test's results. */
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
