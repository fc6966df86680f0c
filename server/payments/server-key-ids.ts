import { serverKeyId } from '../../protocol/bundle';

/**
 * The `hpke.server_key_id` values a push accepts: those of the current server HPKE key and of any
 * recent one. "Recent" is a key the server replaced less than max_bundle_age_hours + 30 minutes ago
 * (the bundle age limit plus the clock skew allowed): a terminal that was offline through a
 * rotation may still hold bundles sealed to the old key, but past that window every sale in such a
 * bundle is older than the age limit and BUNDLE_TOO_OLD would refuse it anyway.
 *
 * The server has exactly one HPKE key and no rotation yet (server/keys/server-keys.ts keeps one
 * row per kind), so today no key is recent and the set is the current key's id alone. A rotation
 * must pass the replaced keys here with the time they were replaced, and keep their private halves
 * to open the bundles it lets in.
 */
export function acceptedServerKeyIds(current: { publicKeyRaw: string }): ReadonlySet<string> {
  return new Set([serverKeyId(current.publicKeyRaw)]);
}
