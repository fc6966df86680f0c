import { createPaymentRequest } from '../../../../protocol/qr/request';
import { newRequestRef } from '../../../../protocol/qr/request-ref';
import type { PaymentRequest } from '../../../../protocol/qr/formats';
import type { EnrollmentRecord } from '../device/enrollment';
import type { DeviceIdentity } from '../device/identity';

/**
 * A signed payment-request QR (`OUTPOST1:<payload>.<signature>`, docs/protocol.md "Payment QR
 * codes") for an amount in the terminal's currency: its ref names this terminal and is
 * unguessable, its merchant is the enrolled shop. The customer's wallet checks it with the
 * terminal's public key; the app's till and the SDK's generateOfflineQR both make it here.
 */
export function terminalPaymentRequest(input: {
  record: EnrollmentRecord;
  identity: Pick<DeviceIdentity, 'deviceId' | 'signingKey'>;
  amountMinor: number;
  currency: string;
  now: number;
  lifetimeMs?: number;
}): { text: string; request: PaymentRequest } {
  const tenant = input.record.enrollment.tenant;
  const type = tenant?.type;
  return createPaymentRequest(
    {
      deviceId: input.identity.deviceId,
      ref: newRequestRef(input.identity.deviceId),
      amountMinor: input.amountMinor,
      currency: input.currency,
      merchant:
        tenant && (type === 'merchant' || type === 'agent' || type === 'school')
          ? { type, id: tenant.id }
          : null,
      now: input.now,
      ...(input.lifetimeMs === undefined ? {} : { lifetimeMs: input.lifetimeMs }),
    },
    input.identity.signingKey,
  );
}
