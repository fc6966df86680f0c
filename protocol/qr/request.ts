import { randomBytes, type KeyObject } from 'node:crypto';
import { decodeSigned, encodeSigned, signatureValid } from './codec';
import { QrError } from './errors';
import { PaymentRequest, QR_MAX_LIFETIME_MS } from './formats';

export interface PaymentRequestFields {
  deviceId: string;
  ref: string;
  amountMinor: number;
  currency: string;
  merchant: PaymentRequest['merchant'];
  now: number;
  /** How long the QR stays payable; 15 minutes unless said. */
  lifetimeMs?: number;
}

/** The till's payment-request QR text, signed with the device key. */
export function createPaymentRequest(
  fields: PaymentRequestFields,
  deviceKey: KeyObject,
): { text: string; request: PaymentRequest } {
  const lifetime = Math.min(fields.lifetimeMs ?? 15 * 60_000, QR_MAX_LIFETIME_MS);
  const request = PaymentRequest.parse({
    v: 1,
    t: 'req',
    device_id: fields.deviceId,
    ref: fields.ref,
    amount_minor: fields.amountMinor,
    currency: fields.currency,
    merchant: fields.merchant,
    created_at: new Date(fields.now).toISOString(),
    expires_at: new Date(fields.now + lifetime).toISOString(),
    nonce: randomBytes(16).toString('base64url'),
  });
  return { text: encodeSigned(request, deviceKey), request };
}

/** What a customer's app does with the till's QR: checks it came from that device and is current. */
export function readPaymentRequest(text: string, devicePublicKey: KeyObject, now: number): PaymentRequest {
  const decoded = decodeSigned(text);
  const parsed = PaymentRequest.safeParse(decoded.json);
  if (!parsed.success) throw new QrError('QR_INVALID', 'This QR code is not a payment request.');
  if (!signatureValid(decoded, devicePublicKey))
    throw new QrError('QR_SIGNATURE', 'The payment request is not signed by this terminal.');
  if (Date.parse(parsed.data.expires_at) <= now)
    throw new QrError('QR_EXPIRED', 'The payment request has expired.');
  return parsed.data;
}
