import type { RefundQuote } from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';
import { apportionRefund, linesLeft, type RefundWanted } from './refund';
import { refundTenders } from './refund-tenders';
import { sumTotals } from './totals';

/**
 * What a refund would give back, computed exactly as `refund` records it (same apportioning, same
 * tenders) but not recorded: what is left on each line, the amount, its tax and where it goes. The
 * cashier sees the amount before confirming. A sale with nothing left quotes zero and no tenders.
 */
export function refundQuote(
  sale: Sale,
  taxRates: readonly (number | undefined)[],
  later: readonly Sale[],
  wanted?: readonly RefundWanted[],
): RefundQuote {
  const left = linesLeft(sale, later).map((l, i) => {
    const line = sale.lines[i]!;
    return { sku: line.sku, name: line.name, qty: l.qty, unitPriceMinor: line.unit_price_minor };
  });
  const nothing = { currency: sale.currency, left, totalMinor: 0, taxMinor: 0, tenders: [] };
  if (!wanted && left.every((l) => l.qty === 0)) return nothing;
  const { lines } = apportionRefund(sale, taxRates, later, wanted);
  const totalMinor = sumTotals(lines);
  return {
    ...nothing,
    totalMinor,
    taxMinor: lines.reduce((s, l) => s + l.tax_minor, 0),
    tenders: refundTenders(sale, later, totalMinor).map((t) => ({
      type: t.type,
      amountMinor: t.amountMinor,
      brand: t.type === 'card' ? (t.brand ?? null) : null,
      last4: t.type === 'card' ? (t.last4 ?? null) : null,
    })),
  };
}
