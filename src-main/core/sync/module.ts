import type { CoreModule } from '../api/module';
import { SyncService } from './sync-service';

/** Sync: pushes recorded sales in signed, encrypted bundles and pulls their outcomes (docs/sync.md). */
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
    const sync = new SyncService({
      collections: need('salesCollections'),
      identity,
      enrollment: enrollmentStore,
      enrollmentChanges: enrollmentStore.changes,
      reachability,
      serverUrl: () => settings.current.serverUrl,
      // While the local shop's server is not running, its port may be anyone's: no round (#16).
      serverHeld: () => serverHold.refusal(),
      serverKey,
      // A verified pull is the signed check-in that lifts a rollback's stop (trust/rollback-anchor.ts).
      // Issuer keys for payment QR codes, kept for verifying them offline; a refusal shows here.
      afterPull: async () => {
        await anchor?.checkedIn('till');
        return need('qr').refreshIssuers();
      },
      ...(anchor ? { lostSales: (deviceId: string) => anchor.forTill().lost(deviceId) } : {}),
      clock: need('tillClock'),
      ...(config.sync ? { options: config.sync } : {}),
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
