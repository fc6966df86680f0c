import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../protocol/api';
import { issuerListSha256, type IssuerListAnswer } from '../../../protocol/qr/issuer-list';
import { checkStatement, type StatementRefusal } from '@outpost/terminal-sdk';

/**
 * Code of an issuer key list (GET /offline/qr/issuers) whose signed statement did not verify or
 * does not cover the keys it carries: the till keeps the keys it had, and the sync status says so.
 */
export const QR_ISSUERS_UNVERIFIED = 'QR_ISSUERS_UNVERIFIED' as const;

const REFUSAL: StatementRefusal = {
  code: QR_ISSUERS_UNVERIFIED,
  message: (reason) =>
    `The payment issuers' keys from the server could not be verified (${reason}): they were ignored and the till keeps the keys it had.`,
};

/**
 * Issue #16, M1 of the sixth review: the keys a till checks customer payment QR codes with are
 * taken only from the server's statement, signed by the key the till trusts, for this device and
 * this request's fresh nonce, whose `answer_sha256` is the digest of exactly these keys. A list
 * rewritten by a proxy (unsigned, a key added or swapped beside a genuine statement, another
 * request's answer replayed) is QR_ISSUERS_UNVERIFIED.
 */
export function checkIssuerListStatement(
  answer: IssuerListAnswer,
  expected: { serverKey: KeyObject; deviceId: string; requestNonce: string },
): void {
  const verified = checkStatement(answer.statement, expected, REFUSAL);
  if (verified.answer_sha256 !== issuerListSha256(answer.issuers))
    throw new ApiError(QR_ISSUERS_UNVERIFIED, REFUSAL.message('the keys differ from what the server signed'));
}
