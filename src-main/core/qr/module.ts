import type { CoreModule } from '../api/module';
import { QrService } from '../pos/qr-service';

/**
 * Payment QR codes (issue 4, item 6): signed payment requests the till shows, customers' payment
 * QR codes verified offline against issuer keys the server signed, fetched by each sync round
 * (sync/module.ts) so that a list that does not verify shows in the sync status.
 */
export const qrModule: CoreModule<'qr'> = {
  feature: 'qr',
  unavailable: 'The sales database',
  async start({ settings, enrollmentStore, reachability, identity, serverKey, need }) {
    const collections = need('salesCollections');
    const pos = need('pos');
    const qr = new QrService({
      settings: collections.settings,
      audit: collections.audit,
      identity,
      serverKey: () => serverKey(),
      enrollment: () => enrollmentStore.current,
      currency: () => pos.currency(),
      serverUrl: () => settings.current.serverUrl,
      online: () => reachability.current.state === 'online',
    });
    return {
      commands: {
        'pos.qr.request': ({ amountMinor }) => qr.request(amountMinor),
        'pos.qr.verify': ({ text, dueMinor }) => qr.verify(text, dueMinor),
      },
      subscriptions: {},
      offers: { qr },
    };
  },
};
