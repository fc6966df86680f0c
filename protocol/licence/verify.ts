import type { KeyObject } from 'node:crypto';
import { canonicalBytes } from '../crypto/canonical';
import { verifyCanonical } from '../crypto/ed25519';
import { openWith } from '../hpke/seal';
import { LicenceError } from './errors';
import { cekAad, Licence, LICENCE_HPKE_INFO } from './licence';

/** App side: schema, then the server's signature, then that the licence is for this device. */
export function verifyLicence(
  input: unknown,
  options: { serverPublicKey: KeyObject; deviceId: string },
): Licence {
  const parsed = Licence.safeParse(input);
  if (!parsed.success)
    throw new LicenceError('LICENCE_INVALID', 'licence is malformed', { issues: parsed.error.issues });
  const { signature, ...unsigned } = parsed.data;
  if (!verifyCanonical(options.serverPublicKey, unsigned, signature))
    throw new LicenceError('LICENCE_SIGNATURE_INVALID', 'licence signature does not verify');
  if (parsed.data.device_id !== options.deviceId)
    throw new LicenceError('LICENCE_WRONG_DEVICE', 'licence was issued to another device');
  return parsed.data;
}

/** Unwraps the CEK with the device's X25519 private key. Call on a licence verifyLicence accepted. */
export async function unwrapCek(licence: Licence, devicePrivateKey: Uint8Array): Promise<Uint8Array> {
  try {
    const cek = await openWith(
      devicePrivateKey,
      { enc: licence.cek.enc, ciphertext: Buffer.from(licence.cek.wrapped, 'base64url') },
      { info: LICENCE_HPKE_INFO, aad: canonicalBytes(cekAad(licence)) },
    );
    if (cek.length !== 32) throw new Error('CEK is not 32 bytes');
    return cek;
  } catch {
    throw new LicenceError('CEK_UNWRAP_FAILED', 'the content key does not unwrap with this device key');
  }
}
