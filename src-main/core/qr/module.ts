import type { CoreModule } from '../api/module';
import { QrService } from '../pos/qr-service';

/**
 * Payment QR codes (issue 4, item 6): signed payment requests the till shows, customers' payment
 * QR codes verified offline against issuer keys fetched at each return of the network.
 */
export const qrModule: CoreModule<'qr'> = {
  feature: 'qr',
  unavailable: 'The sales database',
  async start({ settings, enrollmentStore, reachability, identity, online, need }) {
    const collections = need('salesCollections');
    const pos = need('pos');
    const qr = new QrService({
      settings: collections.settings,
      audit: collections.audit,
      identity,
      enrollment: () => enrollmentStore.current,
      currency: () => pos.currency(),
      serverUrl: () => settings.current.serverUrl,
      online: () => reachability.current.state === 'online',
    });
    // Issuer keys kept for verifying payment QR codes while offline; a till not enrolled has none.
    const refreshSub = online.subscribe(() => void qr.refreshIssuers().catch(() => undefined));
    return {
      commands: {
        'pos.qr.request': ({ amountMinor }) => qr.request(amountMinor),
        'pos.qr.verify': ({ text, dueMinor }) => qr.verify(text, dueMinor),
      },
      subscriptions: {},
      offers: { qr },
      close: () => refreshSub.unsubscribe(),
    };
  },
};
