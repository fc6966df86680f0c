import type { KeyObject } from 'node:crypto';
import { ApiError, type ErrorCode } from '../../../../protocol/api';
import { LicenceError, verifyServerStatement, type ServerStatement } from '../../../../protocol/licence';

declare const verified: unique symbol;
/** A statement that passed checkStatement: the only kind the secure clock and licence states accept. */
export type VerifiedStatement = ServerStatement & { readonly [verified]: true };

/** What a caller says when a statement does not verify: its error code and the message's wording. */
export interface StatementRefusal {
  code: ErrorCode;
  message: (reason: string) => string;
}

/** A laptop's refusal: neither the secure clock nor any licence moves. */
const SERVER_STATEMENT_INVALID: StatementRefusal = {
  code: 'SERVER_STATEMENT_INVALID',
  message: (reason) => `The server's answer could not be verified (${reason}): it was ignored.`,
};

/**
 * The server's signed statement (protocol/licence/server-statement.ts), checked against the pinned
 * key, this device and the nonce this request carried. Anything else — unsigned, signed by another
 * key, a genuine answer to another request — is refused with `refusal`'s code
 * (SERVER_STATEMENT_INVALID unless the caller names its own), and the caller applies nothing.
 */
export function checkStatement(
  statement: unknown,
  /** `requestNonce` null only for a till's push answer, bound by the bundle id it covers instead. */
  expected: { serverKey: KeyObject; deviceId: string; requestNonce: string | null },
  refusal: StatementRefusal = SERVER_STATEMENT_INVALID,
): VerifiedStatement {
  try {
    return verifyServerStatement(statement, {
      serverPublicKey: expected.serverKey,
      deviceId: expected.deviceId,
      requestNonce: expected.requestNonce,
    }) as VerifiedStatement;
  } catch (error) {
    if (error instanceof LicenceError) throw new ApiError(refusal.code, refusal.message(error.message));
    throw error;
  }
}
