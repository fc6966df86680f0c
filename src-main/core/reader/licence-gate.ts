import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../protocol/api';
import { rawOkpPrivate } from '../../../protocol/crypto/okp-raw';
import {
  LicenceError,
  licenceTimeState,
  unwrapCek,
  verifyLicence,
  type Licence,
} from '../../../protocol/licence';

/**
 * Signature and device binding of a licence as stored (or as just received). A licence edited by a
 * byte fails its signature; one lifted from another device names another device_id, and if that is
 * edited too the signature fails.
 */
export function checkLicence(
  token: unknown,
  expected: { serverKey: KeyObject; deviceId: string; materialId: string },
): Licence {
  let licence: Licence;
  try {
    licence = verifyLicence(token, { serverPublicKey: expected.serverKey, deviceId: expected.deviceId });
  } catch (error) {
    if (error instanceof LicenceError && error.code === 'LICENCE_WRONG_DEVICE')
      throw new ApiError('DEVICE_MISMATCH', 'This licence was issued to another device.');
    if (error instanceof LicenceError)
      throw new ApiError('LICENSE_INVALID', `The licence is not valid: ${error.message}.`, {
        reason: error.code,
      });
    throw error;
  }
  if (licence.material_id !== expected.materialId)
    throw new ApiError('LICENSE_INVALID', 'The licence is for another material.');
  return licence;
}

/** Expiry and offline grace by the secure clock: LICENSE_EXPIRED first, since only a new licence fixes it. */
export function checkLicenceTime(
  licence: Pick<Licence, 'expires_at' | 'offline_grace_hours'>,
  clock: { trustedNow: number; lastCheckIn: number | null },
): void {
  const state = licenceTimeState(licence, {
    trustedNow: clock.trustedNow,
    // Never reached the server: no grace has started, so none is left.
    lastCheckIn: clock.lastCheckIn ?? Number.NEGATIVE_INFINITY,
  });
  if (state.state === 'expired') throw new ApiError('LICENSE_EXPIRED', 'The licence has expired.');
  if (state.state === 'offline_expired')
    throw new ApiError(
      'LICENSE_OFFLINE_EXPIRED',
      `This item may be read offline for ${licence.offline_grace_hours} hours after the last connection; connect to the server to read it again.`,
    );
}

/** The CEK, with our own X25519 key: a licence sealed to another key does not open here. */
export async function unwrapForDevice(licence: Licence, agreementKey: KeyObject): Promise<Uint8Array> {
  // Through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts).
  let privateKey: Uint8Array;
  try {
    privateKey = rawOkpPrivate(agreementKey);
  } catch {
    throw new ApiError('DEVICE_MISMATCH', 'The device key cannot be read.');
  }
  try {
    return await unwrapCek(licence, privateKey);
  } catch (error) {
    if (error instanceof LicenceError)
      throw new ApiError('DEVICE_MISMATCH', 'The content key was not sealed to this device.');
    throw error;
  } finally {
    privateKey.fill(0);
  }
}
