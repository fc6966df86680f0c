import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { DeviceStatus, SyncStatus } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import type { Core } from '../../src-main/core';
import { callCommand } from '../../src-main/core/api/dispatch';
import { nextOf, signedIn, tillCore, tillEnrollmentCode } from '../support/till';

/**
 * Online sales pushed in batches (issue #23): pushes per sale, counted at the real server (the
 * bundles it stored for each till), for a till that pushes after every sale (window 0, as tills did
 * before) and one whose window is open. The window here is long so that nothing in the test waits on
 * time: the cashier's Sync now closes it, or the test fires the window's timer itself.
 */
const SALES = 5;
let session: SecretServiceSession;
let server: TestServer;
const tills: Core[] = [];

async function till(windowMs: number, schedule?: (fn: () => void) => () => void): Promise<Core> {
  const core = await tillCore(server.url, {
    salePushWindowMs: windowMs,
    reachabilityIntervalMs: 100,
    sync: { intervalMs: 0, ...(schedule ? { schedule } : {}) },
  });
  tills.push(core);
  await callCommand(core.handlers, 'enrollment.redeemCode', {
    code: await tillEnrollmentCode(server, `shop-window-${windowMs}`),
  });
  await signedIn(core);
  await callCommand(core.handlers, 'pos.shift.open', { floatMinor: 0 });
  await nextOf<DeviceStatus>(core, 'device.status', (s) => s.server.reachability === 'online');
  return core;
}

const sell = (core: Core, i: number) =>
  callCommand(core.handlers, 'pos.sale.capture', {
    lines: [{ sku: `bread-${i}`, name: 'Pain', qty: 1, unitPriceMinor: 150, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor: 150 }],
  }) as Promise<{ saleId: string }>;

/** What the server holds from `core`'s device: pushes (bundles) and sales. */
async function atServer(core: Core): Promise<{ pushes: number; sales: number }> {
  const { deviceId } = await nextOf<DeviceStatus>(core, 'device.status', (s) => s.deviceId !== null);
  const { rows } = await server.pool.query<{ pushes: number; sales: number }>(
    `SELECT count(DISTINCT b.bundle_id)::int AS pushes, count(t.sale_id)::int AS sales
     FROM offline_tx_bundles b LEFT JOIN offline_transactions t USING (bundle_id) WHERE b.device_id = $1`,
    [deviceId],
  );
  return rows[0]!;
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
}, 120_000);

afterAll(async () => {
  for (const core of tills) await core.close();
  await server?.close();
  await session?.stop();
});

describe('online sales at the real server', () => {
  it('without a window, every sale is its own push', async () => {
    const core = await till(0);
    for (let i = 0; i < SALES; i++) {
      await sell(core, i);
      // Pushed by the recording itself, no Sync now.
      await nextOf<SyncStatus>(core, 'sync.status', (s) => s.counts.accepted >= i + 1);
    }
    expect(await atServer(core)).toEqual({ pushes: SALES, sales: SALES });
    // One app database per process (RxDB): this till closes before the next opens.
    await tills.pop()?.close();
  });

  it('with a window, sales made within it travel in one push, each stored at the till first', async () => {
    const core = await till(600_000);
    for (let i = 0; i < SALES; i++) expect((await sell(core, i)).saleId).toMatch(/./);
    // Each sale was acknowledged to the cashier (its capture answered once stored) before any push.
    expect(await atServer(core)).toEqual({ pushes: 0, sales: 0 });
    await callCommand(core.handlers, 'sync.now', {});
    expect(await atServer(core)).toEqual({ pushes: 1, sales: SALES });
    await tills.pop()?.close();
  });

  it('the window closes by its own timer: its sales go in one push, no Sync now', async () => {
    let closeWindow: (() => void) | undefined;
    const core = await till(600_000, (fn) => {
      closeWindow = fn;
      return () => (closeWindow = undefined);
    });
    for (let i = 0; i < SALES; i++) await sell(core, i);
    // The first sale opened the window (RxDB's push handler waits on it); nothing went yet.
    await expect.poll(() => closeWindow !== undefined).toBe(true);
    expect(await atServer(core)).toEqual({ pushes: 0, sales: 0 });
    closeWindow!();
    await expect.poll(() => atServer(core), { timeout: 30_000 }).toEqual({ pushes: 1, sales: SALES });
  });
});
