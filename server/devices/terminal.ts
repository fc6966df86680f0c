import { PAYMENT_ERROR_STATUS, PaymentErrorCode, type TenantType } from '../../protocol/http';
import { HttpError } from '../http/errors';

/** How a device was registered, as offline_push_begin (migration 1795459640990) answers it. */
export interface DeviceRegistration {
  enrolled_via: 'admin' | 'code' | 'user';
  tenant_type: TenantType | null;
  tenant_id: string | null;
  user_id: string | null;
}

/**
 * Whether a device may take payments: a POS terminal of a tenant, registered by a pay_admin
 * (POST /offline/devices) or enrolled with a one-time code a pay_admin issued (POST /offline/enroll).
 * A laptop any user account registers for itself (POST /api/v1/offline/devices) has a verified key
 * too, but nobody answerable for money vouched for it, so its signature proves nothing a ledger can
 * rely on. All four facts are checked, not only enrolled_via, so a row edited by hand into an odd
 * shape (a tenant and a user at once) is refused rather than guessed about.
 */
export function isPaymentTerminal(d: DeviceRegistration): boolean {
  return (
    (d.enrolled_via === 'admin' || d.enrolled_via === 'code') &&
    d.tenant_type !== null &&
    d.tenant_id !== null &&
    d.user_id === null
  );
}

/**
 * For device-signed routes only a till needs (GET /offline/sync/payments, GET /offline/qr/issuers):
 * a laptop's valid signature is not enough to read a tenant's catalog, prices, policy or the issuer
 * keys. Called before the request's nonce is recorded, so the refusal writes nothing.
 */
export function requirePaymentTerminal(d: DeviceRegistration): void {
  if (!isPaymentTerminal(d))
    throw new HttpError(
      PAYMENT_ERROR_STATUS.DEVICE_NOT_TERMINAL,
      PaymentErrorCode.DEVICE_NOT_TERMINAL,
      'Only a POS terminal of a tenant may read this; this device is not registered as one',
    );
}
