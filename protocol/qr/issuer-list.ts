import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from '../crypto/canonical';
import { RequestNonce } from '../licence/server-statement';
import { IssuerKeyList, type IssuerKey } from './formats';

/**
 * GET /offline/qr/issuers, signed (issue #16, M1 of the sixth review): a till verifies customer
 * payment QR codes offline with these keys, so a key slipped in by a proxy would make the cashier's
 * own QR codes pass as a wallet's payments. The server signs the list in its statement
 * (protocol/licence/server-statement.ts) for this device and this request's `request_nonce`, with
 * `answer_sha256` = issuerListSha256 of the keys it sends; a till keeps a new list only when both
 * verify.
 */

/** `?request_nonce=`: fresh per request. Optional for tills from before the list was signed. */
export const IssuerListQuery = z.object({ request_nonce: RequestNonce.optional() });

/** The answer: the keys and the server's statement covering them. */
export const IssuerListAnswer = IssuerKeyList.extend({ statement: z.unknown().optional() });
export type IssuerListAnswer = z.infer<typeof IssuerListAnswer>;

/**
 * `statement.answer_sha256` of an issuer list: SHA-256, lowercase hex, of the canonical JSON of
 * `{qr_issuers: [{issuer_id, key_id, name, public_key}, …]}` in the answer's order. The key name is
 * unlike any other answer's, so a statement over a pull page can never pass for one over keys.
 */
export function issuerListSha256(issuers: readonly IssuerKey[]): string {
  const covered = {
    qr_issuers: issuers.map((k) => ({
      issuer_id: k.issuer_id,
      key_id: k.key_id,
      name: k.name,
      public_key: k.public_key,
    })),
  };
  return createHash('sha256').update(canonicalBytes(covered)).digest('hex');
}
