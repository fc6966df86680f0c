import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../protocol/api';
import { LicenceError, verifyServerStatement, type ServerStatement } from '../../../protocol/licence';

declare const verified: unique symbol;
/** A statement that passed checkStatement: the only kind the secure clock and licence states accept. */
export type VerifiedStatement = ServerStatement & { readonly [verified]: true };

/**
 * The server's signed time and licence states (protocol/licence/server-statement.ts), checked
 * against the pinned key, this device and the nonce this request carried. Anything else — unsigned,
 * signed by another key, a genuine answer to another request — is SERVER_STATEMENT_INVALID, and
 * neither the clock nor any licence moves.
 */
export function checkStatement(
  statement: unknown,
  expected: { serverKey: KeyObject; deviceId: string; requestNonce: string },
): VerifiedStatement {
  try {
    return verifyServerStatement(statement, {
      serverPublicKey: expected.serverKey,
      deviceId: expected.deviceId,
      requestNonce: expected.requestNonce,
    }) as VerifiedStatement;
  } catch (error) {
    if (error instanceof LicenceError)
      throw new ApiError(
        'SERVER_STATEMENT_INVALID',
        `The server's answer could not be verified (${error.message}): it was ignored.`,
      );
    throw error;
  }
}
