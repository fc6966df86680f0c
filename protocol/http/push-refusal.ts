import { createHash } from 'node:crypto';
import { canonicalBytes } from '../crypto/canonical';

/**
 * A push's refusal is final for the bundle (the till marks its sales rejected and stops sending
 * after it), so a till believes one only when the server signed it (issue #16, red-team pass 12
 * M-A: another local account squatting the local shop's port answered an unsigned 400 and the till
 * marked its sale rejected for good). The error body then carries `error.statement`: the server's
 * statement (protocol/licence/server-statement.ts) for the envelope's `device_id`, `request_nonce`
 * null, whose `answer_sha256` is this digest. It names the bundle, the refusal's code and the very
 * envelope the server refused, so a genuine refusal of an envelope a proxy altered (a broken
 * signature gets a signed `INVALID_SIGNATURE`) does not fit the till's own envelope.
 *
 * SHA-256, lowercase hex, of the canonical JSON of
 * `{ bundle_id, code, envelope_sha256 }`, where `envelope_sha256` is SHA-256 (lowercase hex) of the
 * canonical JSON (RFC 8785) of the envelope as pushed.
 */
export function pushRefusalSha256(refusal: { bundle_id: string; code: string; envelope: unknown }): string {
  return sha256Hex({
    bundle_id: refusal.bundle_id,
    code: refusal.code,
    envelope_sha256: sha256Hex(refusal.envelope),
  });
}

/**
 * What of a pushed body names the bundle and its device, when it names them at all: a body that is
 * not an object with both as short strings gets an unsigned refusal (no till sends one).
 */
export function pushedBundleIds(body: unknown): { device_id: string; bundle_id: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const { device_id, bundle_id } = body as { device_id?: unknown; bundle_id?: unknown };
  if (typeof device_id !== 'string' || device_id.length < 1 || device_id.length > 128) return null;
  if (typeof bundle_id !== 'string' || bundle_id.length < 1 || bundle_id.length > 128) return null;
  return { device_id, bundle_id };
}

const sha256Hex = (value: unknown) => createHash('sha256').update(canonicalBytes(value)).digest('hex');
