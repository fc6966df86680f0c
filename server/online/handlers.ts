import { randomUUID } from 'node:crypto';
import { PAYMENT_ERROR_STATUS, PaymentErrorCode } from '../../protocol/http';
import { signServerStatement } from '../../protocol/licence';
import {
  ONLINE_AUTHORISATION_TTL_MS,
  ONLINE_AUTHORISATION_ERROR_STATUS,
  OnlineAuthorisationErrorCode,
  type OnlineAuthorisationGrant,
} from '../../protocol/online/authorisation';
import { appendAudit } from '../audit/chain';
import { requirePaymentTerminal } from '../devices/terminal';
import { HttpError } from '../http/errors';
import { policyFor } from '../policies/store';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';

const refuse = (code: PaymentErrorCode, message: string, details?: unknown) =>
  new HttpError(PAYMENT_ERROR_STATUS[code], code, message, details);

/**
 * POST /offline/online-authorisations (issue #18, item 7): the server itself, reachable now,
 * authorises one sale above the offline maximum. Never a terminal's claim: the answer is a stored
 * row and a statement signed for this request's nonce, and the push lifts the limit only for the
 * sale, amount, currency and device stored here, once (server/payments/online-authorisations.ts).
 *
 * The online cap is the policy's max_unsynced_amount, not a new policy column: the signed policy is
 * strict on every till (protocol/licence/server-statement.ts), so a new field would make tills in
 * the field refuse every statement until updated; and the largest sum the country lets one terminal
 * hold unconfirmed is also the largest the server vouches for in one sale (docs/sync.md).
 */
export function onlineHandlers(deps: TrustDeps): Pick<Handlers, 'authoriseOnlineSale'> {
  return {
    authoriseOnlineSale: async ({ body, device, tx }) => {
      requirePaymentTerminal(device);
      const grant = await tx(async (client) => {
        const policy = await policyFor(client, device.country);
        if (!policy)
          throw refuse(
            PaymentErrorCode.POLICY_MISSING,
            `No offline payment policy exists for the device's country (${device.country ?? 'none'})`,
          );
        if (!policy.enabled)
          throw refuse(PaymentErrorCode.POLICY_DISABLED, `Payments are disabled for ${policy.country}`);
        if (body.currency !== policy.currency)
          throw refuse(
            PaymentErrorCode.CURRENCY_NOT_ALLOWED,
            `The policy of ${policy.country} is in ${policy.currency}, not ${body.currency}`,
            { policy_currency: policy.currency },
          );
        if (body.amount_minor > policy.max_unsynced_amount)
          throw new HttpError(
            ONLINE_AUTHORISATION_ERROR_STATUS.ONLINE_AMOUNT_OVER_LIMIT,
            OnlineAuthorisationErrorCode.ONLINE_AMOUNT_OVER_LIMIT,
            `${body.amount_minor} ${body.currency} is above the online cap of ${policy.max_unsynced_amount}`,
            { limit_minor: policy.max_unsynced_amount },
          );
        const now = new Date();
        const granted: OnlineAuthorisationGrant = {
          authorisation_id: randomUUID(),
          sale_id: body.sale_id,
          amount_minor: body.amount_minor,
          currency: body.currency,
          expires_at: new Date(now.getTime() + ONLINE_AUTHORISATION_TTL_MS).toISOString(),
        };
        const statement = signServerStatement(deps.keys.signing, {
          device_id: device.device_id,
          request_nonce: body.request_nonce,
          server_time: now.toISOString(),
          licences: [],
          online_authorisation: granted,
        });
        const inserted = await client.query(
          `INSERT INTO offline_online_authorisations
             (authorisation_id, device_id, sale_id, amount_minor, currency, signature, issued_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (device_id, sale_id) DO NOTHING`,
          [
            granted.authorisation_id,
            device.device_id,
            granted.sale_id,
            granted.amount_minor,
            granted.currency,
            statement.signature,
            now,
            granted.expires_at,
          ],
        );
        if (inserted.rowCount !== 1)
          throw new HttpError(
            ONLINE_AUTHORISATION_ERROR_STATUS.SALE_ALREADY_AUTHORISED,
            OnlineAuthorisationErrorCode.SALE_ALREADY_AUTHORISED,
            'This sale id already has an online authorisation: ask again under a new sale id',
          );
        await appendAudit(client, {
          actorType: 'device',
          actorId: device.device_id,
          action: 'sale.online_authorised',
          targetType: 'sale',
          targetId: granted.sale_id,
          details: { ...granted },
        });
        return { authorisation: granted, statement };
      });
      return { status: 201, body: grant };
    },
  };
}
