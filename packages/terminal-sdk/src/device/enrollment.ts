import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { Enrollment } from '../../../../protocol/api';
import { EnrollResponse } from '../../../../protocol/http/devices';
import { newRequestNonce } from '../../../../protocol/licence';
import { callRoute } from '../net/route-client';
import type { DeviceIdentity } from './identity';
import { checkPolicyStatement } from './policy-statement';

/** What the core keeps about its enrollment: the public parts only; keys stay in the keychain. */
export const EnrollmentRecord = z.object({
  enrollment: Enrollment,
  server: z
    .object({
      signingPublicKeyPem: z.string(),
      hpkePublicKey: z.string(),
    })
    .nullable(),
  /** The country's offline policy as last served; enforced while offline. */
  policy: z.unknown().nullable(),
  /** Server time minus local time at the last check-in (informational: the secure clock trusts only signed time). */
  serverClockOffsetMs: z.number().nullable(),
});
export type EnrollmentRecord = z.infer<typeof EnrollmentRecord>;

export const NOT_ENROLLED: EnrollmentRecord = {
  enrollment: {
    state: 'not_enrolled',
    mode: null,
    serverUrl: null,
    tenant: null,
    country: null,
    currency: null,
    userEmail: null,
    enrolledAt: null,
    lastCheckInAt: null,
  },
  server: null,
  policy: null,
  serverClockOffsetMs: null,
};

/** The enrollment answer as read here: a missing statement is POLICY_STATEMENT_INVALID. */
const EnrollAnswer = EnrollResponse.extend({ statement: z.unknown().optional() });

/**
 * Redeems a one-time enrollment code (POST /offline/devices/enroll, signed by the device key) and
 * returns the record to keep. Nothing is returned unless the answer's signed statement verifies,
 * against `serverKey(answerKey)`: the key the caller pins (a build's, or one pinned earlier) comes
 * first, else the key the code-authenticated answer carries. An answer from anyone else (its own
 * keys, its own policy) leaves the terminal unenrolled (#16).
 */
export async function enrollWithCode(input: {
  serverUrl: string;
  code: string;
  identity: DeviceIdentity;
  platform: string;
  serverKey: (enrolledKeyPem: string) => Promise<KeyObject>;
  now?: () => number;
}): Promise<EnrollmentRecord> {
  const { identity } = input;
  const requestNonce = newRequestNonce();
  const answer = await callRoute(input.serverUrl, 'enroll', {
    body: {
      code: input.code.trim(),
      device_id: identity.deviceId,
      pubkey_pem: identity.signingPublicKeyPem,
      x25519_pub: identity.agreementPublicKey,
      fingerprint: identity.fingerprint,
      platform: input.platform,
      request_nonce: requestNonce,
    },
    device: { deviceId: identity.deviceId, key: identity.signingKey },
    response: EnrollAnswer,
  });
  const standing = checkPolicyStatement(
    answer.statement,
    {
      serverKey: await input.serverKey(answer.server.signing_public_key_pem),
      deviceId: identity.deviceId,
      requestNonce,
    },
    { hpkePublicKey: answer.server.hpke_public_key },
  );
  const now = new Date(input.now?.() ?? Date.now());
  return {
    enrollment: {
      state: 'enrolled',
      mode: 'pos',
      serverUrl: input.serverUrl,
      tenant:
        answer.device.tenant_type && answer.device.tenant_id
          ? { type: answer.device.tenant_type, id: answer.device.tenant_id }
          : null,
      country: answer.device.country,
      currency: answer.device.currency_default,
      userEmail: null,
      enrolledAt: now.toISOString(),
      lastCheckInAt: now.toISOString(),
    },
    server: {
      signingPublicKeyPem: answer.server.signing_public_key_pem,
      hpkePublicKey: answer.server.hpke_public_key,
    },
    policy: standing.policy,
    serverClockOffsetMs: Date.parse(standing.serverTime) - now.getTime(),
  };
}
