import { z } from 'zod';
import { Currency, NonNegativeMinor } from '../http/common';
import { RequestNonce } from '../licence/server-statement';
import { OnlineAuthorisationGrant } from './grant';

export { OnlineAuthorisationGrant, SaleOnlineAuthorisation } from './grant';

/**
 * Online authorisation of one sale above the offline maximum (issue #18, item 7; docs/protocol.md
 * "Online authorisation"). Being online is proven by the server, never claimed by the till: the
 * till asks POST /offline/online-authorisations before recording the sale, the server stores the
 * authorisation and answers its signed statement (protocol/licence/server-statement.ts, field
 * `online_authorisation`) bound to the request's nonce, the device, the sale id, the amount and the
 * currency. The sale then carries `online_authorisation` (protocol/bundle/sale.ts); at push the
 * server lifts max_offline_amount for that sale only when its own stored authorisation matches and
 * was never used before.
 */

/** How long an authorisation is good for recording its sale: the till records at once. */
export const ONLINE_AUTHORISATION_TTL_MS = 5 * 60_000;

/** POST /offline/online-authorisations body. Strict: nothing unchecked is signed back. */
export const OnlineAuthorisationRequest = z.strictObject({
  /** 16-32 fresh random bytes, base64url: the statement echoes it. */
  request_nonce: RequestNonce,
  /** The id the sale will be recorded under (a fresh UUID per attempt). */
  sale_id: z.uuid(),
  /** The sale's total, in minor units of `currency`; more than zero. */
  amount_minor: NonNegativeMinor.min(1),
  currency: Currency,
});
export type OnlineAuthorisationRequest = z.infer<typeof OnlineAuthorisationRequest>;

/** The answer: the grant, and the server's statement carrying it (`statement.online_authorisation`). */
export const OnlineAuthorisationAnswer = z.object({
  authorisation: OnlineAuthorisationGrant,
  statement: z.unknown(),
});
export type OnlineAuthorisationAnswer = z.infer<typeof OnlineAuthorisationAnswer>;

/** Error codes of POST /offline/online-authorisations (beside the signed-request ones). */
export const OnlineAuthorisationErrorCode = {
  /** The amount is above what the country's policy lets the server authorise online. */
  ONLINE_AMOUNT_OVER_LIMIT: 'ONLINE_AMOUNT_OVER_LIMIT',
  /** This sale id already has an authorisation: a till asks again under a fresh sale id. */
  SALE_ALREADY_AUTHORISED: 'SALE_ALREADY_AUTHORISED',
} as const;
export type OnlineAuthorisationErrorCode =
  (typeof OnlineAuthorisationErrorCode)[keyof typeof OnlineAuthorisationErrorCode];

export const ONLINE_AUTHORISATION_ERROR_STATUS: Record<OnlineAuthorisationErrorCode, number> = {
  ONLINE_AMOUNT_OVER_LIMIT: 422,
  SALE_ALREADY_AUTHORISED: 409,
};
