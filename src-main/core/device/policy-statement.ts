import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../protocol/api';
import type { Policy } from '../../../protocol/http/policies';
import { checkStatement, type StatementRefusal } from '../trust/server-statement';

/**
 * Code of a till's pull or check-in answer whose signed statement did not verify: nothing of that
 * answer was applied (policy, clock offset, catalog, outcomes, cursor all stay as they were).
 */
export const POLICY_STATEMENT_INVALID = 'POLICY_STATEMENT_INVALID';

const POLICY_REFUSAL: StatementRefusal = {
  code: POLICY_STATEMENT_INVALID,
  message: (reason) =>
    `The server's answer about this till's limits and time could not be verified (${reason}): it was ignored and the till keeps its current limits.`,
};

/** What a till may take from a pull or check-in answer once its statement verified. */
export interface VerifiedStanding {
  /** The country's policy as the server signed it; null when the server has none for it. */
  policy: Policy | null;
  serverTime: string;
}

/**
 * Issue #16: the till's policy copy loosens or tightens what it sells offline (amount limits, the
 * threshold above which a manager PIN is asked), so it is taken only from the server's signed
 * statement (protocol/licence/server-statement.ts, the laptops' scheme), checked against the key
 * the till trusts, this device and the nonce this very request carried. An answer rewritten by a
 * proxy (unsigned, signed by another key, or a genuine one replayed from another request) is
 * POLICY_STATEMENT_INVALID.
 */
export function checkPolicyStatement(
  statement: unknown,
  expected: { serverKey: KeyObject; deviceId: string; requestNonce: string },
): VerifiedStanding {
  const verified = checkStatement(statement, expected, POLICY_REFUSAL);
  // A statement without the policy key speaks of licences only: it says nothing about the till's.
  if (verified.policy === undefined) throw refused('the server statement carries no policy');
  return { policy: verified.policy, serverTime: verified.server_time };
}

function refused(reason: string): ApiError {
  return new ApiError(POLICY_REFUSAL.code, POLICY_REFUSAL.message(reason));
}
