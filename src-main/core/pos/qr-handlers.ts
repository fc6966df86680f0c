import type { ApiHandlers } from '../api/handlers';
import type { QrService } from './qr-service';

/** The payment QR commands; `service` throws STORE_UNAVAILABLE while the sales database is not open. */
export function qrHandlers(
  service: () => QrService,
): Pick<ApiHandlers['commands'], 'pos.qr.request' | 'pos.qr.verify'> {
  return {
    'pos.qr.request': ({ amountMinor }) => service().request(amountMinor),
    'pos.qr.verify': ({ text, dueMinor }) => service().verify(text, dueMinor),
  };
}
