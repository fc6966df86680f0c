import { randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { signCanonical, verifyCanonical } from '../crypto/ed25519';
import { Policy } from '../http/policies';
import { OnlineAuthorisationGrant } from '../online/grant';
import { LicenceError } from './errors';

/**
 * The server's signed word on time, licence states and a till's offline policy (issue #16). A
 * laptop's secure clock and its licence states, and a till's policy copy and clock offset, move
 * only on a statement that verifies against the pinned server key, names this device and echoes the
 * nonce the device sent with this very request: a proxy can neither forge one nor replay an old
 * genuine one (an earlier time, a status from before a revocation, a looser policy).
 */

/** 16-32 random bytes, base64url: what the laptop sends as `request_nonce`. */
export const RequestNonce = z.string().regex(/^[A-Za-z0-9_-]{22,43}$/, '16-32 random bytes, base64url');

const UtcTimestamp = z.iso.datetime({ offset: false });
const LicenceState = z.enum(['ready', 'active', 'revoked', 'returned', 'cancelled', 'expired']);
/** A SHA-256 digest as 64 lowercase hex characters. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256, lowercase hex');

/** Strict and without defaults: the policy is checked byte for byte as it was signed. */
const SignedPolicy = z.strictObject({
  ...Policy.shape,
  max_bundle_age_hours: z.number().int().min(1).max(8760),
});

/** Strict, because what is signed must be exactly what was checked. */
export const ServerStatement = z.strictObject({
  v: z.literal(1),
  device_id: z.string().min(1).max(128),
  /** The request's `request_nonce`, or null when the request carried none (an app refuses that). */
  request_nonce: RequestNonce.nullable(),
  server_time: UtcTimestamp,
  /** The states this answer reports (sync: every listed licence; renew/issue/return: that one). */
  licences: z
    .array(
      z.strictObject({
        license_id: z.uuid(),
        status: LicenceState,
        expires_at: UtcTimestamp.nullable(),
      }),
    )
    .max(1000),
  /**
   * A till's answers (pull, check-in, enrollment): its country's offline policy, null when the
   * country has none. Absent from a laptop's answers. A till accepts only a statement carrying it.
   */
  policy: SignedPolicy.nullable().optional(),
  /**
   * A till's pull answers: SHA-256 (lowercase hex) of the canonical JSON of everything else the till
   * applies from the answer (catalog, bundle outcomes, cursor, more, last_seq: pullAnswerSha256 in
   * protocol/http/payments.ts). A till applies a page only when its own digest equals this one.
   */
  answer_sha256: Sha256Hex.optional(),
  /**
   * A till's check-in answers: the device's standing as the server holds it. `revoked` is also
   * signed into the 404 DEVICE_NOT_FOUND a revoked till gets on check-in (`error.details.statement`);
   * a till marks itself revoked only on that signed word, never on an unsigned 404.
   */
  device_status: z.enum(['active', 'revoked']).optional(),
  /**
   * A till's enrollment answer: the X25519 key its bundles are sealed to (as `server.hpke_public_key`)
   * and that key's id (protocol/bundle/key-id.ts). A till stores the key only when both match.
   */
  hpke: z
    .strictObject({ public_key: z.string().min(1).max(64), key_id: z.string().min(1).max(64) })
    .optional(),
  /**
   * A till's online authorisation answer (POST /offline/online-authorisations, issue #18 item 7):
   * the one sale, amount and currency the server authorised, until when. A till records the sale
   * above the offline maximum only on this, for its own request's nonce.
   */
  online_authorisation: OnlineAuthorisationGrant.optional(),
  server_key_id: z.string().min(1).max(64),
  signature: z.string(),
});
export type ServerStatement = z.infer<typeof ServerStatement>;

export function newRequestNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** Field by field, for the same reason as below: only the policy's own fields are signed. */
function signedPolicy(p: z.infer<typeof SignedPolicy>): z.infer<typeof SignedPolicy> {
  return {
    country: p.country,
    currency: p.currency,
    max_offline_amount: p.max_offline_amount,
    max_offline_per_device_per_day: p.max_offline_per_device_per_day,
    max_unsynced_amount: p.max_unsynced_amount,
    max_bundle_age_hours: p.max_bundle_age_hours,
    approval_threshold: p.approval_threshold,
    enabled: p.enabled,
    version: p.version,
    updated_at: p.updated_at,
  };
}

/** Field by field, as the policy. */
function signedGrant(g: OnlineAuthorisationGrant): OnlineAuthorisationGrant {
  return {
    authorisation_id: g.authorisation_id,
    sale_id: g.sale_id,
    amount_minor: g.amount_minor,
    currency: g.currency,
    expires_at: g.expires_at,
  };
}

/** Server side: signs the canonical JSON of every field but `signature`. */
export function signServerStatement(
  key: { privateKey: KeyObject; kid: string },
  content: Omit<ServerStatement, 'v' | 'signature' | 'server_key_id'>,
): ServerStatement {
  // Field by field: a spread would sign whatever else the caller's object carried.
  const unsigned = {
    v: 1 as const,
    device_id: content.device_id,
    request_nonce: content.request_nonce,
    server_time: content.server_time,
    licences: content.licences.map((l) => ({
      license_id: l.license_id,
      status: l.status,
      expires_at: l.expires_at,
    })),
    ...(content.policy === undefined ? {} : { policy: content.policy && signedPolicy(content.policy) }),
    ...(content.answer_sha256 === undefined ? {} : { answer_sha256: content.answer_sha256 }),
    ...(content.device_status === undefined ? {} : { device_status: content.device_status }),
    ...(content.hpke === undefined
      ? {}
      : { hpke: { public_key: content.hpke.public_key, key_id: content.hpke.key_id } }),
    ...(content.online_authorisation === undefined
      ? {}
      : { online_authorisation: signedGrant(content.online_authorisation) }),
    server_key_id: key.kid,
  };
  return ServerStatement.parse({ ...unsigned, signature: signCanonical(key.privateKey, unsigned) });
}

/**
 * App side: schema, signature by the pinned key, this device, this request's nonce. Throws
 * LicenceError STATEMENT_INVALID; never trusts a field before all four hold.
 */
export function verifyServerStatement(
  input: unknown,
  /** `requestNonce` null only for a push answer, which the bundle id it covers binds instead. */
  expected: { serverPublicKey: KeyObject; deviceId: string; requestNonce: string | null },
): ServerStatement {
  const parsed = ServerStatement.safeParse(input);
  if (!parsed.success) throw new LicenceError('STATEMENT_INVALID', 'the server statement is malformed');
  const { signature, ...unsigned } = parsed.data;
  if (!verifyCanonical(expected.serverPublicKey, unsigned, signature))
    throw new LicenceError(
      'STATEMENT_INVALID',
      'the server statement is not signed by the pinned server key',
    );
  if (parsed.data.device_id !== expected.deviceId)
    throw new LicenceError('STATEMENT_INVALID', 'the server statement names another device');
  if (parsed.data.request_nonce !== expected.requestNonce)
    throw new LicenceError('STATEMENT_INVALID', 'the server statement answers another request (nonce)');
  return parsed.data;
}
