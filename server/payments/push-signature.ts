import type pg from 'pg';
import { BundleEnvelope, signedEnvelope } from '../../protocol/bundle';
import { verifyCanonical } from '../../protocol/crypto';
import { findDevice } from '../devices/store';
import { devicePublicKey } from './device-keys';

/**
 * Whether `body` is a bundle envelope signed by the active device it names: the push's first check
 * (server/payments/open.ts), without the costly part behind it (HPKE open, payload parse). The
 * throttle asks it only of a push from an address whose failure counter is full, so a till sharing
 * its address (school or market NAT, carrier-grade NAT) with a flood of junk still gets through,
 * while the junk is answered for the price of a schema check or one Ed25519 verification.
 */
export async function signedByActiveDevice(pool: pg.Pool, body: unknown): Promise<boolean> {
  const parsed = BundleEnvelope.safeParse(body);
  if (!parsed.success) return false;
  const envelope = parsed.data;
  const device = await findDevice(pool, envelope.device_id);
  if (!device || device.status !== 'active') return false;
  try {
    return verifyCanonical(devicePublicKey(device.pubkey_pem), signedEnvelope(envelope), envelope.signature);
  } catch {
    // An unusable stored key verifies nothing; the push itself answers that case.
    return false;
  }
}
