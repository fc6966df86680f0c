import { createHash, randomBytes } from 'node:crypto';

/**
 * A payment request's `ref`, bound to the terminal that made it (issue #16, ninth pass M-2): a
 * customer's wallet copies it into the token it signs (`request_ref`), so the token names its payee.
 * `r1.<tag>.<random>`: `tag` is the first 16 characters of base64url(SHA-256("outpost-qr-payee\n" +
 * device_id)), `random` 12 random bytes in base64url (16 characters), so a ref is unguessable and
 * says which terminal asked. A till accepts a token quoting only one of its own open requests; the
 * server quarantines a sale whose token quotes another device's request (QR_PAYEE_MISMATCH).
 */
export const REQUEST_REF_VERSION = 'r1';
const REF = /^r1\.([A-Za-z0-9_-]{16})\.[A-Za-z0-9_-]{16}$/;

export function payeeTag(deviceId: string): string {
  return createHash('sha256').update(`outpost-qr-payee\n${deviceId}`).digest('base64url').slice(0, 16);
}

/** A fresh request ref for this terminal. */
export function newRequestRef(deviceId: string): string {
  return `${REQUEST_REF_VERSION}.${payeeTag(deviceId)}.${randomBytes(12).toString('base64url')}`;
}

/**
 * Whose request a token pays: `none` (it quotes no request: a QR the customer shows without scanning
 * the till's), `device` (this device's), `other` (another device's), `unbound` (a ref of another form,
 * from a terminal before the binding: nobody can tell whose).
 */
export function requestRefPayee(
  requestRef: string | undefined,
  deviceId: string,
): 'none' | 'device' | 'other' | 'unbound' {
  if (requestRef === undefined) return 'none';
  const tag = REF.exec(requestRef)?.[1];
  if (tag === undefined) return 'unbound';
  return tag === payeeTag(deviceId) ? 'device' : 'other';
}
