import { TrustErrorCode } from '../../protocol/http';
import { metrics } from '../metrics';

/**
 * The error codes that mean "we do not know who you are": bad sign-ins, missing, invalid or expired
 * tokens, bad or replayed device signatures, bad enrollment codes (sign-in answers and push bundles
 * use the same codes). Such callers may not write to the audit log; each refusal is counted
 * instead, in one place, whichever route refused it. DEVICE_NOT_FOUND is left out: a signed-in
 * user gets it too, for a device of theirs that is gone (push counts it in
 * offline_bundles_rejected_total{reason}).
 */
const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set([
  TrustErrorCode.INVALID_CREDENTIALS,
  TrustErrorCode.UNAUTHENTICATED,
  TrustErrorCode.TOKEN_EXPIRED,
  TrustErrorCode.INVALID_SIGNATURE,
  TrustErrorCode.INVALID_NONCE,
  TrustErrorCode.ENROLLMENT_CODE_INVALID,
]);

export function countAuthFailure(code: string): void {
  if (AUTH_FAILURE_CODES.has(code)) metrics.authFailures.inc({ reason: code });
}
