import { ApiError } from '../../../protocol/api';
import type { Sale, SaleLine, Tender } from '../../../protocol/bundle/sale';
import { divRoundHalfUp, lineTax } from './totals';

/** What a refund asks for back: so many of a SKU. */
export interface RefundWanted {
  sku: string;
  qty: number;
}

/** What is left of each original line after earlier refunds (same order as the sale's lines). */
export interface LineLeft {
  qty: number;
  discount: number;
  tax: number;
}

export function linesLeft(sale: Sale, later: readonly Sale[]): LineLeft[] {
  const left = sale.lines.map((l) => ({ qty: l.qty, discount: l.discount_minor, tax: l.tax_minor }));
  for (const r of later)
    for (const rl of r.lines) {
      const i = sale.lines.findIndex((l, j) => l.sku === rl.sku && left[j]!.qty > 0);
      if (i >= 0) {
        left[i]!.qty -= rl.qty;
        left[i]!.discount -= rl.discount_minor;
        left[i]!.tax -= rl.tax_minor;
      }
    }
  return left;
}

/**
 * The refund's lines, apportioned over the original sale's lines: each takes its share of the
 * line's discount and tax (rounded half up), and the last unit of a line takes whatever is left,
 * so a line refunded in parts gives back exactly what it charged. `taxRates` are the original
 * lines' rates; `wanted` absent refunds all that is left. Throws REFUND_TOO_LARGE.
 */
export function apportionRefund(
  sale: Sale,
  taxRates: readonly (number | undefined)[],
  later: readonly Sale[],
  wanted?: readonly RefundWanted[],
): { lines: SaleLine[]; rates: number[] } {
  const left = linesLeft(sale, later);
  const asked =
    wanted ?? sale.lines.map((l, i) => ({ sku: l.sku, qty: left[i]!.qty })).filter((l) => l.qty > 0);
  const lines: SaleLine[] = [];
  const rates: number[] = [];
  for (const w of asked) {
    let qty = w.qty;
    for (const [i, l] of sale.lines.entries()) {
      if (qty === 0) break;
      const rest = left[i]!;
      if (l.sku !== w.sku || rest.qty === 0) continue;
      const k = Math.min(qty, rest.qty);
      const rate = taxRates[i] ?? 0;
      const gross = k * l.unit_price_minor;
      const last = k === rest.qty;
      const discount = last
        ? rest.discount
        : Math.min(
            rest.discount,
            Number(divRoundHalfUp(BigInt(l.discount_minor) * BigInt(k), BigInt(l.qty))),
          );
      const tax = last ? rest.tax : Math.min(rest.tax, lineTax(gross - discount, rate));
      lines.push({
        sku: l.sku,
        name: l.name,
        qty: k,
        unit_price_minor: l.unit_price_minor,
        discount_minor: discount,
        tax_minor: tax,
        total_minor: gross - discount + tax,
      });
      rates.push(rate);
      rest.qty -= k;
      rest.discount -= discount;
      rest.tax -= tax;
      qty -= k;
    }
    if (qty > 0)
      throw new ApiError('REFUND_TOO_LARGE', `More "${w.sku}" than is left to refund on that sale.`, {
        sku: w.sku,
      });
  }
  if (lines.length === 0) throw new ApiError('REFUND_TOO_LARGE', 'Nothing is left to refund on that sale.');
  return { lines, rates };
}

/** A void gives each tender back as it was kept: cash net of change, card and QR as charged. */
export function voidTenders(sale: Sale): Tender[] {
  return sale.tenders.map((t) =>
    t.type === 'cash'
      ? { type: 'cash', amount_minor: t.amount_minor - (t.change_minor ?? 0), change_minor: 0 }
      : { ...t },
  );
}
