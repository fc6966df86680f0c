import { z } from 'zod';
import { base64urlText } from '../crypto/base64url';
import { Currency, NonNegativeMinor } from '../http/common';

/**
 * The parts of an online authorisation (protocol/online/authorisation.ts) that the server's
 * statement and a sale carry; apart so that neither imports the route's schemas.
 */

/** What the server signs into its statement, and what the till records in the sale. */
export const OnlineAuthorisationGrant = z.strictObject({
  authorisation_id: z.uuid(),
  sale_id: z.uuid(),
  amount_minor: NonNegativeMinor.min(1),
  currency: Currency,
  /** UTC, server time: the till records the sale before this. */
  expires_at: z.iso.datetime({ offset: false }),
});
export type OnlineAuthorisationGrant = z.infer<typeof OnlineAuthorisationGrant>;

/**
 * A sale's `online_authorisation`: the grant's id and the signature of the statement that carried
 * it. The server compares both with what it stored and signed; a signature it never made, another
 * sale's id, another amount, currency or device, or a second use is no authorisation at all.
 */
export const SaleOnlineAuthorisation = z.strictObject({
  authorisation_id: z.uuid(),
  signature: base64urlText({ min: 1, max: 128 }),
});
export type SaleOnlineAuthorisation = z.infer<typeof SaleOnlineAuthorisation>;
