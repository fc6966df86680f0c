import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LocalShopStatus, SyncStatus } from '../../protocol/api';
import { callCommand } from '../../src-main/core/api/dispatch';
import { localShopLauncher, type Core } from '../../src-main/core';
import type { LocalShopLauncher } from '../../src-main/core/config';
import { LOCAL_SHOP_SECRET_ACCOUNT } from '../../src-main/core/local-shop/local-shop';
import { localShopCore, ROOT } from '../support/local-shop';
import { forgetKeychain } from '../support/till';

/**
 * Red-team pass 12, M-A, against the real parts (the app core with the real OS keychain, the real
 * local shop server on its embedded database): another local account binds the local shop's port
 * while the app is closed. At the next start the shop's server cannot listen there. The till must
 * never talk to whatever holds the port: while its shop is not running it sends nothing, and the
 * shop starts on a port its own process binds, the till following it.
 */
const OWNER = { ownerEmail: 'awa@boutique.example', ownerPassword: 'awa long password 42' };
let session: SecretServiceSession;
let dataDir: string;
const service = `outpost-test-${randomUUID()}`;
const keyStore = new KeytarKeyStore({ service });
let core: Core | null = null;
let squatter: http.Server | null = null;
/** What reached the squatter, as `METHOD path`. */
const seen: string[] = [];

async function start(launcher: LocalShopLauncher = localShopLauncher(ROOT)): Promise<void> {
  await core?.close();
  core = await localShopCore(dataDir, keyStore, { sync: { intervalMs: 0 }, localShop: launcher });
}
const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);
const shopStatus = (...states: LocalShopStatus['state'][]) =>
  firstValueFrom(
    core!.handlers.subscriptions['localShop.status']({}).pipe(filter((s) => states.includes(s.state))),
  );
const sale = (amountMinor: number) =>
  call('pos.sale.capture', {
    lines: [{ sku: 'BAGUETTE', name: 'Baguette', qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor }],
  });
const serverUrl = async () => ((await call('settings.get')) as { serverUrl: string }).serverUrl;
const pushesSeen = () => seen.filter((s) => !s.startsWith('GET /health/')).length;

/**
 * Another program on 127.0.0.1:`port`: healthy to the till's probe (so the till sees its address
 * reachable), an unsigned refusal to everything else.
 */
async function squat(port: number): Promise<void> {
  squatter = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`);
    if (req.url === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    res.writeHead(400, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: { code: 'INVALID_BUNDLE', message: 'Bundle could not be read' } }));
  });
  squatter.listen(port, '127.0.0.1');
  await once(squatter, 'listening');
}

let shopPort = 0;

beforeAll(async () => {
  session = await ensureSecretService();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-local-shop-squat-'));
  await start();
  const created = (await call('localShop.create', {
    country: 'SN',
    shopName: 'Boutique Awa',
    ...OWNER,
  })) as LocalShopStatus;
  expect(created.state).toBe('running');
  shopPort = Number(new URL(created.url!).port);
  await call('pos.cashier.set', { cashierId: 'awa', name: 'Awa', role: 'manager', pin: '246810' });
  await call('pos.cashier.signIn', { cashierId: 'awa', pin: '246810' });
  await call('pos.shift.open', { floatMinor: 0 });
  await sale(1_000);
  expect(await call('sync.now')).toMatchObject({ lastErrorCode: null, counts: { rejected: 0 } });
  // The app closes; another local account takes the shop's port.
  await core!.close();
  core = null;
  await squat(shopPort);
}, 300_000);

afterAll(async () => {
  await core?.close();
  squatter?.closeAllConnections();
  await new Promise((done) => (squatter ? squatter.close(done) : done(undefined)));
  await rm(dataDir, { recursive: true, force: true });
  await forgetKeychain(service, [LOCAL_SHOP_SECRET_ACCOUNT]);
  await session?.stop();
});

describe('attack: another program holds the local shop’s port when the app starts', () => {
  it('while the shop’s server is not running, the till sends nothing to that address', async () => {
    // A shop whose server cannot start at all (here: its program is missing).
    await start({ ...localShopLauncher(ROOT), command: join(dataDir, 'no-such-node') });
    expect((await shopStatus('failed')).error).toBeTruthy();
    expect(await serverUrl()).toBe(`http://127.0.0.1:${shopPort}`);
    await call('pos.cashier.signIn', { cashierId: 'awa', pin: '246810' });
    await sale(2_000);
    const status = (await call('sync.now')) as SyncStatus;
    expect(status).toMatchObject({ lastErrorCode: 'LOCAL_SHOP_NOT_RUNNING', rejectedBundles: [] });
    expect(status.counts).toMatchObject({ rejected: 0, pending: 1 });
    await expect(call('enrollment.checkIn')).rejects.toMatchObject({ code: 'LOCAL_SHOP_NOT_RUNNING' });
    // Pass 13 L-1: the squatter answers the probe, yet neither an online authorisation nor the
    // library's signed requests go there: a sale above the offline maximum is judged offline.
    await firstValueFrom(
      core!.handlers.subscriptions['device.status']({}).pipe(
        filter((d) => d.server.reachability === 'online'),
      ),
    );
    await expect(sale(300_000)).rejects.toMatchObject({ code: 'LIMIT_AMOUNT' });
    await call('library.refresh').catch(() => undefined);
    expect(pushesSeen(), seen.join(', ')).toBe(0);
  }, 120_000);

  it('(c) the shop starts on another port, the till follows it there and never syncs to the squatter', async () => {
    await start();
    const running = await shopStatus('running', 'failed');
    expect(running).toMatchObject({ state: 'running', busyPort: shopPort, error: null });
    const moved = running.url!;
    expect(new URL(moved).hostname).toBe('127.0.0.1');
    expect(Number(new URL(moved).port)).not.toBe(shopPort);
    expect(await serverUrl()).toBe(moved);
    expect(await call('enrollment.get')).toMatchObject({ state: 'enrolled', serverUrl: moved });

    await call('pos.cashier.signIn', { cashierId: 'awa', pin: '246810' });
    await sale(3_000);
    const status = (await call('sync.now')) as SyncStatus;
    expect(status).toMatchObject({ lastErrorCode: null, rejectedBundles: [] });
    expect(status.counts).toMatchObject({ rejected: 0, pending: 0 });
    expect(status.counts.accepted + status.counts.reconciled).toBe(3);
    expect(status.state).not.toBe('blocked');
    expect(pushesSeen(), seen.join(', ')).toBe(0);
  }, 300_000);
});
