import type { KeyObject } from 'node:crypto';
import { importPublicKey } from '../../protocol/crypto';

/** Thrown for a device whose stored public key does not parse (a server-side defect, answered 500). */
export class DeviceKeyError extends Error {
  override readonly name = 'DeviceKeyError';
}

/**
 * Parsing the device's PEM was ~2 % of a push's CPU time. One cache per thread that opens bundles
 * (the event loop, or each open thread: module state is per thread). Keyed by the PEM itself, so a
 * re-keyed device gets a new entry. Cleared when full: a fleet larger than the bound only pays the
 * parse again.
 */
const keys = new Map<string, KeyObject>();

export function devicePublicKey(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    try {
      key = importPublicKey(pem);
    } catch (err) {
      throw new DeviceKeyError(String(err), { cause: err });
    }
    if (keys.size >= 50_000) keys.clear();
    keys.set(pem, key);
  }
  return key;
}
