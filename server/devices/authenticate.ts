import { generateKeyPairSync } from 'node:crypto';
import type { Request } from 'express';
import { importPublicKey, publicKeyPem, type DeviceAuthHeaders } from '../../protocol/crypto';
import { TrustErrorCode } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import { assertFresh, assertSigned, signatureHeaders } from './signature';
import { findDevice, type DeviceRow } from './store';

/**
 * A key nobody holds the private half of (it is dropped here). An unknown device id is verified
 * against it, so an unknown device costs the same key import and signature check as a known one
 * and fails the same way: the answer and its timing do not tell a stranger which ids exist.
 */
export const NOBODYS_KEY_PEM = publicKeyPem(generateKeyPairSync('ed25519').publicKey);

/**
 * The active device that signed `req`, in the order every device route checks it: the headers
 * (401), the replay window (403), the signature against the device's key (401 INVALID_SIGNATURE,
 * the same answer for an unknown device id), then the device's standing (404 DEVICE_NOT_FOUND when
 * revoked: only the holder of the device's key can learn that). The nonce is not recorded here:
 * the caller does that inside the transaction of a successful answer (consumeNonce), so a refusal
 * writes nothing.
 */
export async function authenticateDevice(
  db: Queryable,
  req: Request,
  /** Hands a revoked device (its signature verified) to the caller instead of refusing it (check-in). */
  options: { allowRevoked?: boolean } = {},
): Promise<{ device: DeviceRow; signed: DeviceAuthHeaders }> {
  const signed = signatureHeaders(req);
  assertFresh(signed);
  const device = await findDevice(db, signed.deviceId);
  // One message for both: a stranger learns nothing from which check failed.
  assertSigned(req, signed, importPublicKey(device?.pubkey_pem ?? NOBODYS_KEY_PEM));
  if (!device) throw new Error('unreachable: no device key verified a signature');
  if (device.status !== 'active' && !options.allowRevoked)
    throw new HttpError(404, TrustErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
  return { device, signed };
}
