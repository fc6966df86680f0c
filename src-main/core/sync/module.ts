import {
  callRoute,
  SyncService,
  type DeviceIdentity,
  type PullExtension,
  type SyncCollections,
} from '@outpost/terminal-sdk';
import type { CoreModule } from '../api/module';
import type { EnrollmentStore } from '../device/enrollment-store';
import { checkRoster, saveRoster } from '../pos/cashier-roster';
import { readServerCatalog, saveServerCatalog, serverCatalogAfter } from './back-office-catalog';
import { syncImages } from './catalog-images';

/**
 * What the till takes from each verified pull page beyond the SDK's own: the shop's cashier roster
 * (one not signed, another shop's or older than the held one refuses the page) and the back
 * office's categories, quick-key places and shop details.
 */
function tillPullExtension(
  settings: SyncCollections['settings'],
  enrollment: EnrollmentStore,
): PullExtension {
  return {
    async check(page, serverKey) {
      const roster = page.roster
        ? await checkRoster(settings, page.roster, {
            serverKey,
            tenant: enrollment.current.enrollment.tenant,
          })
        : undefined;
      return async (now) => {
        if (roster) await saveRoster(settings, roster, now);
        const server = serverCatalogAfter(await readServerCatalog(settings), page);
        if (server) await saveServerCatalog(settings, server, now);
      };
    },
  };
}

/** Products' pictures the pulled catalog names (catalog-images.ts), after a verified pull; never fails it. */
async function fetchCatalogImages(
  settings: SyncCollections['settings'],
  serverUrl: string,
  identity: DeviceIdentity,
  timeoutMs: number,
): Promise<void> {
  try {
    const held = await readServerCatalog(settings);
    const device = { deviceId: identity.deviceId, key: identity.signingKey };
    const next = await syncImages(
      settings,
      held,
      (sku) => callRoute(serverUrl, 'terminalCatalogImage', { params: { sku }, device, timeoutMs }),
      (sku, why) => console.warn(`[sync] product picture of ${sku} skipped: ${why}`),
    );
    if (JSON.stringify(next.images) !== JSON.stringify(held.images))
      await saveServerCatalog(settings, next, Date.now());
  } catch (err) {
    console.warn(`[sync] product pictures not fetched: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Sync: pushes recorded sales in signed, encrypted bundles and pulls their outcomes (docs/sync.md),
 * with the terminal SDK's engine (packages/terminal-sdk), the one any other terminal uses too.
 */
/** How long sales recorded while online wait to travel together in one push (config.salePushWindowMs). */
export const DEFAULT_PUSH_WINDOW_MS = 3_000;

export const syncModule: CoreModule<'sync'> = {
  feature: 'sync',
  unavailable: 'The sales database',
  async start({
    config,
    settings,
    enrollmentStore,
    reachability,
    identity,
    serverKey,
    anchor,
    serverHold,
    need,
  }) {
    const collections = need('salesCollections');
    const sync = new SyncService({
      collections,
      identity,
      enrollment: enrollmentStore,
      enrollmentChanges: enrollmentStore.changes,
      reachability,
      serverUrl: () => settings.current.serverUrl,
      // While the local shop's server is not running, its port may be anyone's: no round (#16).
      serverHeld: () => serverHold.refusal(),
      serverKey,
      pullExtension: tillPullExtension(collections.settings, enrollmentStore),
      // A verified pull is the signed check-in that lifts a rollback's stop (trust/rollback-anchor.ts).
      // Issuer keys for payment QR codes, kept for verifying them offline; a refusal shows here.
      afterPull: async () => {
        await anchor?.checkedIn('till');
        await fetchCatalogImages(
          collections.settings,
          settings.current.serverUrl,
          await identity(),
          config.sync?.requestTimeoutMs ?? 30_000,
        );
        return need('qr').refreshIssuers();
      },
      ...(anchor ? { lostSales: (deviceId: string) => anchor.forTill().lost(deviceId) } : {}),
      clock: need('tillClock'),
      // Sales recorded while online wait to travel together (#23); a window left open at close loses
      // nothing: its sales are stored, the next start pushes them.
      options: {
        pushWindowMs: config.salePushWindowMs ?? DEFAULT_PUSH_WINDOW_MS,
        ...config.sync,
      },
    });
    await sync.start();
    return {
      commands: { 'sync.now': () => sync.syncNow() },
      subscriptions: { 'sync.status': () => sync.changes },
      offers: { sync },
      close: () => sync.stop(),
    };
  },
};
