import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../scripts/electron-binary.mjs';
import { newMachine, ROOT, tempDir } from './processes';

const binary = electronBinary();

test.describe('Electron shell', () => {
  test.skip(
    binary === null,
    'No Electron binary on this machine: npm cannot download it here (no internet but the npm registry). ' +
      'The shell is type-checked and built with electron-vite; this test runs wherever the binary exists.',
  );

  test('opens a hardened window whose page reaches the core only through the bridge', async () => {
    await newMachine();
    const app = await electron.launch({
      executablePath: binary!,
      args: [join(ROOT, 'out/main/index.js')],
      env: { ...process.env, OUTPOST_DATA_DIR: await tempDir('electron') },
    });
    const page = await app.firstWindow();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    // Runs in the page; typed loosely because this file is compiled without the DOM library.
    const exposure = await page.evaluate(() => {
      const g = globalThis as Record<string, unknown>;
      return { bridge: typeof g.outpost, require: typeof g.require, process: typeof g.process };
    });
    expect(exposure).toEqual({ bridge: 'object', require: 'undefined', process: 'undefined' });

    // Navigation away and new windows are refused by the shell.
    const opened = await page.evaluate(() => {
      const g = globalThis as unknown as { open(url: string): unknown };
      return g.open('https://example.com') === null;
    });
    expect(opened).toBe(true);
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    expect(page.url()).toMatch(/^app:\/\/outpost\//);
    await app.close();
  });
});
