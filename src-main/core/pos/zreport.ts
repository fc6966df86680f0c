import type { ZReport } from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';

export interface ShiftFacts {
  shiftId: string;
  openedAt: number;
  currency: string;
  floatMinor: number;
}

/** What went through the till during a shift: money in from sales, money back from refunds and voids. */
export function zReport(
  shift: ShiftFacts,
  sales: readonly Sale[],
  countedCashMinor: number,
  closedAt: number,
): ZReport {
  const tally = {
    sale: { count: 0, total: 0 },
    refund: { count: 0, total: 0 },
    void: { count: 0, total: 0 },
  };
  const tenders = new Map<'cash' | 'card' | 'qr', { count: number; inMinor: number; outMinor: number }>();
  let netTax = 0;
  let overrides = 0;
  for (const sale of sales) {
    tally[sale.kind].count += 1;
    tally[sale.kind].total += sale.total_minor;
    const tax = sale.lines.reduce((sum, l) => sum + l.tax_minor, 0);
    netTax += sale.kind === 'sale' ? tax : -tax;
    if (sale.override) overrides += 1;
    for (const t of sale.tenders) {
      const entry = tenders.get(t.type) ?? { count: 0, inMinor: 0, outMinor: 0 };
      const kept = t.amount_minor - (t.change_minor ?? 0);
      entry.count += 1;
      if (sale.kind === 'sale') entry.inMinor += kept;
      else entry.outMinor += kept;
      tenders.set(t.type, entry);
    }
  }
  const cash = tenders.get('cash') ?? { inMinor: 0, outMinor: 0 };
  const expected = shift.floatMinor + cash.inMinor - cash.outMinor;
  return {
    shiftId: shift.shiftId,
    openedAt: new Date(shift.openedAt).toISOString(),
    closedAt: new Date(closedAt).toISOString(),
    currency: shift.currency,
    floatMinor: shift.floatMinor,
    sales: { count: tally.sale.count, totalMinor: tally.sale.total },
    refunds: { count: tally.refund.count, totalMinor: tally.refund.total },
    voids: { count: tally.void.count, totalMinor: tally.void.total },
    netTaxMinor: netTax,
    netMinor: tally.sale.total - tally.refund.total - tally.void.total,
    tenders: (['cash', 'card', 'qr'] as const)
      .filter((type) => tenders.has(type))
      .map((type) => ({ type, ...tenders.get(type)! })),
    overrides,
    expectedCashMinor: expected,
    countedCashMinor,
    differenceMinor: countedCashMinor - expected,
  };
}
