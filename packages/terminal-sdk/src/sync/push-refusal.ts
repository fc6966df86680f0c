import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../../protocol/api';
import { pushRefusalSha256 } from '../../../../protocol/http/push-refusal';
import { checkStatement } from '../device/server-statement';

/** Code of a push refusal the server did not sign: the bundle stays pending and is sent again. */
export const REFUSAL_UNVERIFIED = 'REFUSAL_UNVERIFIED' as const;

const REFUSAL = {
  code: REFUSAL_UNVERIFIED,
  message: (reason: string) =>
    `Something at the server's address refused these sales without the server's signature (${reason}): they stay on the till and are sent again later.`,
};

/**
 * A push's 4xx refusal is final for the bundle (its sales marked rejected, the chain blocked behind
 * it) only when the server signed it: its `error.statement` verifies against the key the till
 * trusts, for this device, and covers this bundle, this code and this very envelope
 * (protocol/http/push-refusal.ts). Anything else at the till's address (a program squatting the
 * local shop's port, a proxy, a genuine refusal of an envelope a proxy altered) is
 * answered as REFUSAL_UNVERIFIED, which the push loop retries with backoff (issue #16, 12th pass M-A). Errors
 * that are not refusals (the network, 5xx, 408, 429) pass unchanged: they are retried anyway.
 */
export function verifiedRefusal(
  error: unknown,
  expected: { serverKey: KeyObject; deviceId: string; bundleId: string; envelope: unknown },
): unknown {
  if (!(error instanceof ApiError)) return error;
  const details = error.details as { status?: number; statement?: unknown } | undefined;
  const status = details?.status;
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return error;
  try {
    const verified = checkStatement(
      details?.statement,
      { serverKey: expected.serverKey, deviceId: expected.deviceId, requestNonce: null },
      REFUSAL,
    );
    const covered = pushRefusalSha256({
      bundle_id: expected.bundleId,
      code: String(error.code),
      envelope: expected.envelope,
    });
    if (verified.answer_sha256 === covered) return error;
    return new ApiError(REFUSAL_UNVERIFIED, REFUSAL.message('it names another bundle, code or envelope'));
  } catch (refused) {
    return refused;
  }
}
