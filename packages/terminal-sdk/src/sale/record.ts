import { ApiError } from '../../../../protocol/api';
import { canonicalJson } from '../../../../protocol/crypto/canonical';
import { checkSale } from '../../../../protocol/bundle/check-sale';
import type { Sale, SaleLine } from '../../../../protocol/bundle/sale';
import { lineAmounts, taxOn, type PricedLine } from '../../../../protocol/tax';
import type { SaleDoc } from '../store';

/*
 * Recording a sale, shared by the app's till (src-main/core/pos/pos-service.ts) and the SDK's
 * createOfflineTransaction: line arithmetic in integer minor units (protocol/tax.ts, refused when a
 * number would not fit the record; total = Σ lines), the protocol's checks, and the stored document.
 */

/** A bigint amount as a number, refused (AMOUNT_TOO_LARGE) past Number.MAX_SAFE_INTEGER. */
export function safeMinor(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ApiError('AMOUNT_TOO_LARGE', `The ${what} is too large to record.`);
  return Number(value);
}

export function lineTax(netMinor: number, taxRateBp: number): number {
  return safeMinor(taxOn(BigInt(netMinor), taxRateBp), 'tax');
}

/** One protocol line from a cart line; refuses a discount above the line's price. */
export function computeLine(line: PricedLine): SaleLine {
  const amounts = lineAmounts(line);
  if (amounts.discountTooLarge)
    throw new ApiError(
      'DISCOUNT_TOO_LARGE',
      `The discount on "${line.name}" is larger than the line's price.`,
      { sku: line.sku },
    );
  const net = safeMinor(amounts.netMinor, 'line amount');
  const tax = safeMinor(amounts.taxMinor, 'tax');
  return {
    sku: line.sku,
    name: line.name,
    qty: line.qty,
    unit_price_minor: line.unitPriceMinor,
    discount_minor: line.discountMinor,
    tax_minor: tax,
    total_minor: safeMinor(BigInt(net) + BigInt(tax), 'line total'),
  };
}

export function sumTotals(lines: readonly SaleLine[]): number {
  return safeMinor(
    lines.reduce((sum, l) => sum + BigInt(l.total_minor), 0n),
    'sale total',
  );
}

/** The sale as the protocol checks it (checkSale), or SALE_INVALID naming the first issue. */
export function checkedSale(candidate: Sale): Sale {
  const check = checkSale(candidate);
  if (!check.ok)
    throw new ApiError(
      'SALE_INVALID',
      `The sale cannot be recorded: ${check.issues[0]?.message ?? 'invalid'}.`,
      {
        issues: check.issues,
      },
    );
  return check.sale;
}

/**
 * The stored document of a checked sale: its protocol record exactly as chained and hashed (what
 * bundles carry), and the columns the terminal lists and counts it by.
 */
export function saleDocument(
  sale: Sale,
  hash: string,
  extra: { createdAt: number; taxRates?: readonly number[]; shiftId?: string },
): SaleDoc {
  return {
    id: sale.sale_id,
    deviceId: sale.device_id,
    seq: sale.seq,
    prevHash: sale.prev_hash,
    hash,
    createdAt: extra.createdAt,
    currency: sale.currency,
    totalMinor: sale.total_minor,
    lines: sale.lines.map((l, i) => ({
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unit_price_minor,
      taxRate: extra.taxRates?.[i] ?? 0,
      totalMinor: l.total_minor,
    })),
    tenders: sale.tenders.map((t) => ({
      kind: t.type,
      amountMinor: t.amount_minor,
      ...(t.card
        ? { reference: t.card.approval_code ?? t.card.last4 ?? '' }
        : t.qr
          ? { reference: t.qr.payer_ref.slice(0, 128) }
          : {}),
    })),
    status: 'recorded',
    online: sale.online,
    kind: sale.kind,
    ...(sale.original_sale_id ? { originalSaleId: sale.original_sale_id } : {}),
    ...(extra.shiftId ? { shiftId: extra.shiftId } : {}),
    record: canonicalJson(sale),
    updatedAt: extra.createdAt,
  };
}
