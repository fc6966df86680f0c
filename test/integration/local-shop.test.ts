import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LocalShopStatus } from '../../protocol/api';
import { callCommand } from '../../src-main/core/api/dispatch';
import { localShopLauncher, type Core } from '../../src-main/core';
import { LOCAL_SHOP_SECRET_ACCOUNT } from '../../src-main/core/local-shop/local-shop';
import { startLocalServer } from '../../src-main/core/local-shop/server-process';
import { callRoute } from '@outpost/terminal-sdk';
import { localShopCore, ROOT } from '../support/local-shop';
import { forgetKeychain } from '../support/till';

/**
 * The local shop (issue #19, item 11) against the real parts: the app core with the real OS keychain
 * starts the real server (server/local-shop.ts) on its embedded database, creates the owner, the
 * policy, the sample catalog and its own enrollment through the server's routes. And the attacks:
 * another machine on the network reaching it (the app's environment even says HOST=0.0.0.0), a
 * secret or the owner's password left in a file of the data directory, a shop with no password.
 */
const OWNER = { ownerEmail: 'awa@boutique.example', ownerPassword: 'awa long password 42' };
let session: SecretServiceSession;
let dataDir: string;
const service = `outpost-test-${randomUUID()}`;
const keyStore = new KeytarKeyStore({ service });
let core: Core | null = null;
const savedHost = process.env.HOST;

async function start(): Promise<void> {
  await core?.close();
  core = await localShopCore(dataDir, keyStore);
}

const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);
const status = (state: LocalShopStatus['state']) =>
  firstValueFrom(core!.handlers.subscriptions['localShop.status']({}).pipe(filter((s) => s.state === state)));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  session = await ensureSecretService();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-local-shop-'));
  // What the app's own environment says must not reach the shop's server: it listens on loopback.
  process.env.HOST = '0.0.0.0';
  await start();
}, 60_000);

afterAll(async () => {
  if (savedHost === undefined) delete process.env.HOST;
  else process.env.HOST = savedHost;
  await core?.close();
  await rm(dataDir, { recursive: true, force: true });
  await forgetKeychain(service, [LOCAL_SHOP_SECRET_ACCOUNT]);
  await session?.stop();
});

describe('the local shop', () => {
  it('refuses a shop without the owner’s own password: there is no default one', async () => {
    const base = { country: 'SN', shopName: 'Boutique Awa', ownerEmail: OWNER.ownerEmail };
    await expect(call('localShop.create', base)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(call('localShop.create', { ...base, ownerPassword: 'short pass' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect((await firstValueFrom(core!.handlers.subscriptions['localShop.status']({}))).state).toBe('none');
  });

  let url = '';
  it('creates the shop: the owner, the policy, the sample catalog, and this app enrolled as its till', async () => {
    const created = (await call('localShop.create', {
      country: 'SN',
      shopName: 'Boutique Awa',
      ...OWNER,
    })) as LocalShopStatus;
    expect(created).toMatchObject({ state: 'running', currency: 'XOF', ownerEmail: OWNER.ownerEmail });
    url = created.url!;
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(created.consoleUrl).toBe(`${url}/admin/`);

    const enrollment = (await call('enrollment.get')) as {
      state: string;
      tenant: unknown;
      serverUrl: string;
    };
    expect(enrollment).toMatchObject({
      state: 'enrolled',
      serverUrl: url,
      tenant: { type: 'merchant', id: 'local-shop' },
    });
    expect(((await call('settings.get')) as { serverUrl: string }).serverUrl).toBe(url);

    // The owner signs in to the back office with the password chosen on the screen.
    const owner = await callRoute(url, 'signIn', {
      body: { email: OWNER.ownerEmail, password: OWNER.ownerPassword },
    });
    expect(owner.user.roles).toEqual(expect.arrayContaining(['pay_admin', 'ops']));
    const listing = await callRoute(url, 'listCatalog', {
      bearer: owner.access_token,
      query: new URLSearchParams({ tenant_type: 'merchant', tenant_id: 'local-shop' }),
    });
    expect(listing.items.map((i) => i.sku).sort()).toEqual(
      ['BAGUETTE', 'CAFE-TOUBA', 'CROISSANT', 'EAU-150', 'RIZ-5KG', 'SAVON'].sort(),
    );
    expect(listing.shop?.name).toBe('Boutique Awa');
    const { policies } = await callRoute(url, 'listPolicies', { bearer: owner.access_token });
    expect(policies).toEqual([expect.objectContaining({ country: 'SN', currency: 'XOF', enabled: true })]);
    // The first-run link was used: nobody else can create "the first administrator".
    expect(await callRoute(url, 'setupStatus', {})).toMatchObject({ needed: false });
    // The till has the catalog from its first sync.
    await call('sync.now');
    const found = (await call('pos.catalog.search', { query: 'Baguette' })) as { items: { sku: string }[] };
    expect(found.items.map((i) => i.sku)).toContain('BAGUETTE');
  }, 240_000);

  it('a second shop on the same computer is refused', async () => {
    await expect(
      call('localShop.create', { country: 'FR', shopName: 'Autre', ...OWNER }),
    ).rejects.toMatchObject({ code: 'LOCAL_SHOP_EXISTS' });
  });

  it('attack: another machine on the network cannot reach the shop’s server, whatever HOST says', async () => {
    // The server process as the shop starts it, with the app's environment saying HOST=0.0.0.0.
    const server = await startLocalServer(localShopLauncher(ROOT), {
      dataDir: await mkdtemp(join(tmpdir(), 'outpost-local-shop-net-')),
      port: 0,
      masterSecret: randomBytes(32),
    });
    try {
      const port = Number(new URL(server.url).port);
      const outward = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address);
      expect(outward.length, 'this machine has a non-loopback address to try').toBeGreaterThan(0);
      for (const address of [...outward, '127.0.0.1']) {
        const outcome = await new Promise<string>((done) => {
          const socket = connect({ host: address, port });
          socket.once('connect', () => {
            socket.destroy();
            done('connected');
          });
          socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
        });
        expect(outcome, `${address}:${port}`).toBe(address === '127.0.0.1' ? 'connected' : 'ECONNREFUSED');
      }
    } finally {
      await server.stop();
    }
  }, 240_000);

  it('attack: no secret and no password in a plain file; the shop’s data is private to this user', async () => {
    const secret = await keyStore.get(LOCAL_SHOP_SECRET_ACCOUNT);
    expect(secret?.length).toBe(32);
    const needles = [
      secret!,
      Buffer.from(secret!.toString('base64')),
      Buffer.from(secret!.toString('hex')),
      Buffer.from(OWNER.ownerPassword),
    ];
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.includes(join('local-shop', 'server', 'pgdata')))).toBe(true);
    for (const file of files) {
      // The server's atomic writes leave a temporary file for a moment.
      const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return Buffer.alloc(0);
        throw error;
      });
      for (const needle of needles) expect(bytes.includes(needle), file).toBe(false);
    }
    expect(files.some((f) => f.endsWith('master.key'))).toBe(false);
    expect((await stat(join(dataDir, 'local-shop'))).mode & 0o777).toBe(0o700);
    for (const file of await filesUnder(join(dataDir, 'local-shop', 'server')))
      expect((await stat(file)).mode & 0o077, file).toBe(0);
  });

  it('starts again with the app, on the same address, with the same data', async () => {
    await start();
    const again = await status('running');
    expect(again.url).toBe(url);
    expect(again.shopName).toBe('Boutique Awa');
    const owner = await callRoute(url, 'signIn', {
      body: { email: OWNER.ownerEmail, password: OWNER.ownerPassword },
    });
    expect(owner.user.email).toBe(OWNER.ownerEmail);
    expect(((await call('enrollment.get')) as { state: string }).state).toBe('enrolled');
  }, 240_000);
});
