import type { CoreModule } from '../api/module';
import { SyncService } from './sync-service';

/** Sync: pushes recorded sales in signed, encrypted bundles and pulls their outcomes (docs/sync.md). */
export const syncModule: CoreModule<'sync'> = {
  feature: 'sync',
  unavailable: 'The sales database',
  async start({ config, settings, enrollmentStore, reachability, identity, serverKey, need }) {
    const sync = new SyncService({
      collections: need('salesCollections'),
      identity,
      enrollment: enrollmentStore,
      enrollmentChanges: enrollmentStore.changes,
      reachability,
      serverUrl: () => settings.current.serverUrl,
      serverKey,
      // Issuer keys for payment QR codes, kept for verifying them offline; a refusal shows here.
      afterPull: () => need('qr').refreshIssuers(),
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
