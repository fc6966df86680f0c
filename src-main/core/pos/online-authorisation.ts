import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../protocol/api';
import { newRequestNonce } from '../../../protocol/licence';
import type { OnlineAuthorisationAnswer } from '../../../protocol/online/authorisation';
import { type SaleOnlineAuthorisation } from '../../../protocol/online/authorisation';
import type { Policy } from '../../../protocol/http/policies';
import type { DeviceIdentity } from '@outpost/terminal-sdk';
import { callRoute } from '@outpost/terminal-sdk';
import { checkStatement } from '@outpost/terminal-sdk';
import { amountBreach, breachError, type OnlineRefusal } from './limits';

/**
 * The till's side of online authorisation (issue #18, item 7; docs/protocol.md "Online
 * authorisation"): a sale above max_offline_amount is recorded only with the server's signed word
 * for it. The till asks POST /offline/online-authorisations with a fresh nonce and the sale's id,
 * total and currency, and keeps the answer only when its statement verifies against the pinned
 * server key for this device and nonce and grants exactly that sale, amount and currency, unexpired
 * by the till's server-corrected clock. A proxy's answer (unsigned, another request's, another
 * amount) is refused like the server's own refusal: LIMIT_AMOUNT, saying which.
 */

export interface OnlineAuthorisationDeps {
  identity: () => Promise<DeviceIdentity>;
  serverKey: () => Promise<KeyObject>;
  serverUrl: () => string;
  /** The till's clock, corrected to the server's signed time (till-clock.ts). */
  now: () => number;
  timeoutMs?: number;
}

export interface OnlineAuthorisationAsk {
  policy: Policy;
  saleId: string;
  totalMinor: number;
  currency: string;
}

/** One bounded wait: the cashier is at the counter, and offline the till refuses at once instead. */
const TIMEOUT_MS = 10_000;

export function onlineAuthoriser(deps: OnlineAuthorisationDeps) {
  const refuse = (ask: OnlineAuthorisationAsk, why: OnlineRefusal, reason?: string) =>
    breachError(
      amountBreach(ask.policy, { totalMinor: ask.totalMinor, currency: ask.currency }, why, reason),
    );

  return async (ask: OnlineAuthorisationAsk): Promise<SaleOnlineAuthorisation> => {
    const identity = await deps.identity();
    const requestNonce = newRequestNonce();
    let answer: OnlineAuthorisationAnswer;
    try {
      answer = await callRoute(deps.serverUrl(), 'authoriseOnlineSale', {
        body: {
          request_nonce: requestNonce,
          sale_id: ask.saleId,
          amount_minor: ask.totalMinor,
          currency: ask.currency,
        },
        device: { deviceId: identity.deviceId, key: identity.signingKey },
        timeoutMs: deps.timeoutMs ?? TIMEOUT_MS,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      throw refuse(ask, error.code === 'UNAVAILABLE' ? 'offline' : 'refused', error.message);
    }
    let statement;
    try {
      statement = checkStatement(answer.statement, {
        serverKey: await deps.serverKey(),
        deviceId: identity.deviceId,
        requestNonce,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      throw refuse(ask, 'unverified', error.message);
    }
    const grant = statement.online_authorisation;
    const mismatch = !grant
      ? 'it grants nothing'
      : [
          grant.sale_id !== ask.saleId && 'another sale',
          grant.amount_minor !== ask.totalMinor && 'another amount',
          grant.currency !== ask.currency && 'another currency',
          grant.authorisation_id !== answer.authorisation.authorisation_id && 'another authorisation',
          Date.parse(grant.expires_at) <= deps.now() && 'an expiry already past',
        ]
          .filter((m): m is string => m !== false)
          .join(', ');
    if (mismatch) throw refuse(ask, 'unverified', `the signed authorisation names ${mismatch}`);
    return { authorisation_id: grant!.authorisation_id, signature: statement.signature };
  };
}

export type OnlineAuthoriser = ReturnType<typeof onlineAuthoriser>;

/** Whether a sale must be authorised online to be taken: above the offline maximum, and online. */
export function wantsOnlineAuthorisation(
  policy: Policy,
  state: { totalMinor: number; online?: boolean },
  authoriser: OnlineAuthoriser | undefined,
): authoriser is OnlineAuthoriser {
  return authoriser !== undefined && state.online === true && state.totalMinor > policy.max_offline_amount;
}
