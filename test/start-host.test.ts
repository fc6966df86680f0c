import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseHost, fallbackMessage } from '../scripts/electron-install.mjs';
import { freePort } from '../src-main/core/local-shop/local-shop';

/**
 * `npm start`'s decision (issue #19, item 11): no Electron binary → the electron package's own
 * installer runs → where it fails, the browser host, with the installer's error in one line. The
 * installer is the real one; only where it downloads from is pointed (ELECTRON_MIRROR, as the electron
 * package documents) at a port that refuses or a server that answers 404, and its cache and the binary's
 * place at empty directories, so nothing is written under node_modules.
 */
async function isolated(mirror: string): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-electron-'));
  return {
    ...process.env,
    ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'dist'),
    electron_config_cache: join(dir, 'cache'),
    ELECTRON_MIRROR: mirror,
    // Not the machine's own mirror or cache settings: the test's.
    npm_config_electron_mirror: mirror,
  };
}

describe('npm start: Electron or the browser host', () => {
  it('runs the installer and, when the download is refused, falls back saying why in one line', async () => {
    const env = await isolated(`http://127.0.0.1:${await freePort()}/`);
    const choice = await chooseHost(env);
    expect(choice.host).toBe('browser');
    if (choice.host !== 'browser') return;
    expect(choice.reason).toMatch(/fetch failed|ECONNREFUSED/);
    expect(choice.reason).not.toContain('\n');
    const message = fallbackMessage(choice.reason);
    expect(message.split('\n')[0]).toBe(`Electron could not be installed: ${choice.reason}`);
    expect(message).toContain('browser host');
    expect(message).toContain('npm start');
  });

  it('passes on the installer’s own error: a mirror answering 404 is named as such', async () => {
    const asked: string[] = [];
    const mirror = createHttpServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(404).end('no such file');
    }).listen(0, '127.0.0.1');
    await once(mirror, 'listening');
    try {
      const env = await isolated(`http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`);
      const choice = await chooseHost(env);
      expect(choice.host).toBe('browser');
      if (choice.host !== 'browser') return;
      // The installer asked our mirror for this Electron version's archive, and failed on the 404.
      expect(asked.some((url) => /electron-v\d+\.\d+\.\d+-[a-z0-9]+-[a-z0-9]+\.zip/.test(url))).toBe(true);
      expect(choice.reason).toMatch(/404/);
      expect(choice.reason).not.toContain('\n');
    } finally {
      await new Promise((done) => mirror.close(done));
    }
  });
});
