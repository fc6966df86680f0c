import { test, type Page } from '@playwright/test';

/** Full-page screenshots at a laptop's 1280×800 and a tablet's 768×1024, named `<name>-<w>x<h>.png`. */
export async function shoot(page: Page, name: string) {
  for (const [width, height] of [
    [1280, 800],
    [768, 1024],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}x${height}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}
