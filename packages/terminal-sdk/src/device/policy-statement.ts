import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../../protocol/api';
import { serverKeyId } from '../../../../protocol/bundle/key-id';
import type { Policy } from '../../../../protocol/http/policies';
import { checkStatement, type StatementRefusal } from './server-statement';

/**
 * Code of a till's pull, check-in or enrollment answer whose signed statement did not verify or
 * does not cover what the answer carries: nothing of that answer was applied (policy, clock offset,
 * catalog, outcomes, cursor, enrollment all stay as they were).
 */
export const POLICY_STATEMENT_INVALID = 'POLICY_STATEMENT_INVALID';

/**
 * Code of a check-in refused as DEVICE_NOT_FOUND without the server's signed word that this till is
 * revoked (a proxy can send a bare 404): the till stays enrolled and keeps selling offline within
 * its limits; the next check-in asks again.
 */
export const REVOCATION_UNVERIFIED = 'REVOCATION_UNVERIFIED' as const;

const POLICY_REFUSAL: StatementRefusal = {
  code: POLICY_STATEMENT_INVALID,
  message: (reason) =>
    `The server's answer about this till's limits, time, prices or sales could not be verified (${reason}): it was ignored and the till keeps what it had.`,
};

const REVOCATION_REFUSAL: StatementRefusal = {
  code: REVOCATION_UNVERIFIED,
  message: (reason) =>
    `The server's answer said this till is no longer registered, but it could not be verified (${reason}): the till stays enrolled and keeps selling offline within its limits.`,
};

/** What a till may take from a pull, check-in or enrollment answer once its statement verified. */
export interface VerifiedStanding {
  /** The country's policy as the server signed it; null when the server has none for it. */
  policy: Policy | null;
  serverTime: string;
}

/** What else of the answer, beyond policy and time, the statement must cover. */
export interface CoveredAnswer {
  /** Pull: pullAnswerSha256 of the page as the till parsed it (catalog, outcomes, cursor). */
  answerSha256?: string;
  /** Enrollment: the HPKE key the answer carries, which the till will seal its bundles to. */
  hpkePublicKey?: string;
  /** Check-in: the statement must say the device is active. */
  active?: true;
}

type Expected = { serverKey: KeyObject; deviceId: string; requestNonce: string };

/**
 * Issue #16: the till's policy copy loosens or tightens what it sells offline (amount limits, the
 * threshold above which a manager PIN is asked), its prices and its sales' outcomes come from the
 * same answers, so each is taken only from what the server's signed statement covers
 * (protocol/licence/server-statement.ts, the laptops' scheme), checked against the key the till
 * trusts, this device and the nonce this very request carried. An answer rewritten by a proxy
 * (unsigned, signed by another key, a genuine one replayed from another request, or a genuine
 * statement beside an edited catalog, outcome or key) is POLICY_STATEMENT_INVALID.
 */
export function checkPolicyStatement(
  statement: unknown,
  expected: Expected,
  covered: CoveredAnswer = {},
): VerifiedStanding {
  const verified = checkStatement(statement, expected, POLICY_REFUSAL);
  // A statement without the policy key speaks of licences only: it says nothing about the till's.
  if (verified.policy === undefined) throw refused('the server statement carries no policy');
  if (covered.answerSha256 !== undefined && verified.answer_sha256 !== covered.answerSha256)
    throw refused('the catalog, sale outcomes or cursor differ from what the server signed');
  if (covered.hpkePublicKey !== undefined) {
    const hpke = verified.hpke;
    if (hpke?.public_key !== covered.hpkePublicKey || hpke.key_id !== serverKeyId(covered.hpkePublicKey))
      throw refused('the key sales are sealed to differs from what the server signed');
  }
  if (covered.active && verified.device_status !== 'active')
    throw refused('the server statement does not say this till is active');
  return { policy: verified.policy, serverTime: verified.server_time };
}

/**
 * A push answer's status is applied only when the server signed it for this device and this very
 * bundle (`answer_sha256` over bundle id, status and reasons; no request nonce, the bundle id binds
 * it: a replayed answer for the same bundle only repeats what the server said of it). Otherwise
 * POLICY_STATEMENT_INVALID, which the push loop treats as retryable: the bundle stays pending and
 * the same bytes go again later, which the server answers idempotently.
 */
export function checkPushStatement(
  answer: { statement?: unknown; bundle_id: string },
  expected: { serverKey: KeyObject; deviceId: string; bundleId: string; answerSha256: string },
): void {
  const verified = checkStatement(answer.statement, { ...expected, requestNonce: null }, POLICY_REFUSAL);
  if (answer.bundle_id !== expected.bundleId || verified.answer_sha256 !== expected.answerSha256)
    throw refused('the bundle or its status differs from what the server signed');
}

/**
 * A check-in's DEVICE_NOT_FOUND marks the till revoked only when it carries the server's statement
 * (`details.statement`) saying `revoked` for this device and this request's nonce. Anything else
 * (a bare 404 from a proxy, a statement for another request) is REVOCATION_UNVERIFIED.
 */
export function checkRevocation(error: ApiError, expected: Expected): void {
  const details = error.details as { details?: { statement?: unknown } } | undefined;
  const verified = checkStatement(details?.details?.statement, expected, REVOCATION_REFUSAL);
  if (verified.device_status !== 'revoked')
    throw new ApiError(
      REVOCATION_UNVERIFIED,
      REVOCATION_REFUSAL.message('the server statement does not say revoked'),
    );
}

function refused(reason: string): ApiError {
  return new ApiError(POLICY_REFUSAL.code, POLICY_REFUSAL.message(reason));
}
