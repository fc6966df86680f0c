import type { Request } from 'express';
import { importPublicKey, type DeviceAuthHeaders } from '../../protocol/crypto';
import { TrustErrorCode } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import { assertFresh, assertSigned, signatureHeaders } from './signature';
import { findDevice, type DeviceRow } from './store';

/**
 * The active device that signed `req`, in the order every device route checks it: the headers
 * (401), the replay window (403), the device (404 when unknown or revoked), its signature (401).
 * The nonce is not recorded here: the caller does that inside the transaction of a successful
 * answer (consumeNonce), so a refusal writes nothing.
 */
export async function authenticateDevice(
  db: Queryable,
  req: Request,
): Promise<{ device: DeviceRow; signed: DeviceAuthHeaders }> {
  const signed = signatureHeaders(req);
  assertFresh(signed);
  const device = await findDevice(db, signed.deviceId);
  if (!device || device.status !== 'active')
    throw new HttpError(404, TrustErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
  assertSigned(req, signed, importPublicKey(device.pubkey_pem));
  return { device, signed };
}
