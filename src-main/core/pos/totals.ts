import { safeMinor } from '@outpost/terminal-sdk';
import { ApiError } from '../../../protocol/api';
import type { Tender } from '../../../protocol/bundle/sale';
import { divRoundHalfUp, type PricedLine } from '../../../protocol/tax';

/**
 * Sale arithmetic, all in integer minor units: the line arithmetic is protocol/tax.ts (shared with
 * the renderer's cart); a line and the sale total are the terminal SDK's (computeLine, sumTotals:
 * packages/terminal-sdk/src/sale/record.ts), re-exported here; tenders are settled below.
 */
export { computeLine, lineTax, sumTotals } from '@outpost/terminal-sdk';

export type CartLineInput = PricedLine;

type CashOrCard =
  | { type: 'cash'; amountMinor: number }
  | {
      type: 'card';
      amountMinor: number;
      approvalCode: string;
      brand?: string | undefined;
      last4?: string | undefined;
      token?: string | undefined;
    };

/** As the API takes it: a QR tender names a verification of `pos.qr.verify`. */
export type TenderInputValue = CashOrCard | { type: 'qr'; amountMinor: number; verificationId: string };

/**
 * A QR tender once its verification is found: the payer, the issuer's signature of the token and
 * the token itself (for the server to verify; absent for a verification an older version kept).
 */
export type SettleTender =
  CashOrCard | { type: 'qr'; amountMinor: number; payerRef: string; signature: string; token?: string };

export { divRoundHalfUp };

export interface SettledTenders {
  tenders: Tender[];
  changeMinor: number;
}

/**
 * Turns what the customer handed over into protocol tenders. Card and QR are charged exactly what
 * they say and together may not exceed the total; cash covers the rest and any excess comes back
 * as change on the (single) cash tender. Refused when the total is not covered.
 */
export function settleTenders(totalMinor: number, inputs: readonly SettleTender[]): SettledTenders {
  let nonCash = 0n;
  let cash = 0n;
  for (const t of inputs) {
    if (t.type === 'cash') cash += BigInt(t.amountMinor);
    else nonCash += BigInt(t.amountMinor);
  }
  const total = BigInt(totalMinor);
  if (inputs.filter((t) => t.type === 'cash').length > 1)
    throw new ApiError('TENDER_INVALID', 'Enter cash once per sale.');
  if (nonCash > total)
    throw new ApiError(
      'TENDER_OVERPAID',
      'Card and QR payments are more than the total: charge them the exact amount due.',
    );
  if (nonCash + cash < total)
    throw new ApiError('TENDER_SHORT', 'The payment does not cover the total.', {
      dueMinor: totalMinor,
      paidMinor: safeMinor(nonCash + cash, 'payment'),
    });
  const change = safeMinor(nonCash + cash - total, 'change');
  const tenders: Tender[] = inputs.map((t) => {
    switch (t.type) {
      case 'cash':
        return { type: 'cash', amount_minor: t.amountMinor, change_minor: change };
      case 'card':
        return {
          type: 'card',
          amount_minor: t.amountMinor,
          card: {
            ...(t.approvalCode ? { approval_code: t.approvalCode } : {}),
            ...(t.brand ? { brand: t.brand } : {}),
            ...(t.last4 ? { last4: t.last4 } : {}),
            ...(t.token ? { token: t.token } : {}),
          },
        };
      case 'qr':
        return {
          type: 'qr',
          amount_minor: t.amountMinor,
          qr: { payer_ref: t.payerRef, signature: t.signature, ...(t.token ? { text: t.token } : {}) },
        };
    }
  });
  return { tenders, changeMinor: change };
}
