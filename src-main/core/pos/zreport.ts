import type { CashierTally, XReport, ZReport } from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';

export interface ShiftFacts {
  shiftId: string;
  openedAt: number;
  currency: string;
  floatMinor: number;
}

/** Cash put in or taken out of the drawer during the shift (pos.drawer.move). */
export interface DrawerMoves {
  paidInMinor: number;
  paidOutMinor: number;
}

const NO_MOVES: DrawerMoves = { paidInMinor: 0, paidOutMinor: 0 };

/**
 * What went through the till so far: money in from sales, money back from refunds and voids, per
 * tender and per cashier, and the cash the drawer should hold. The X-report is this mid-shift.
 */
export function shiftTotals(
  shift: ShiftFacts,
  sales: readonly Sale[],
  moves: DrawerMoves = NO_MOVES,
  names: ReadonlyMap<string, string> = new Map(),
): XReport {
  const tally = {
    sale: { count: 0, total: 0 },
    refund: { count: 0, total: 0 },
    void: { count: 0, total: 0 },
  };
  const tenders = new Map<'cash' | 'card' | 'qr', { count: number; inMinor: number; outMinor: number }>();
  const cashiers = new Map<string | null, CashierTally>();
  let netTax = 0;
  let overrides = 0;
  for (const sale of sales) {
    tally[sale.kind].count += 1;
    tally[sale.kind].total += sale.total_minor;
    const tax = sale.lines.reduce((sum, l) => sum + l.tax_minor, 0);
    netTax += sale.kind === 'sale' ? tax : -tax;
    if (sale.override) overrides += 1;
    const id = sale.cashier_id ?? null;
    const who = cashiers.get(id) ?? {
      cashierId: id,
      name: id === null ? null : (names.get(id) ?? null),
      sales: { count: 0, totalMinor: 0 },
      refunds: { count: 0, totalMinor: 0 },
      voids: { count: 0, totalMinor: 0 },
      cashNetMinor: 0,
    };
    const mine = sale.kind === 'sale' ? who.sales : sale.kind === 'refund' ? who.refunds : who.voids;
    mine.count += 1;
    mine.totalMinor += sale.total_minor;
    cashiers.set(id, who);
    for (const t of sale.tenders) {
      const entry = tenders.get(t.type) ?? { count: 0, inMinor: 0, outMinor: 0 };
      const kept = t.amount_minor - (t.change_minor ?? 0);
      entry.count += 1;
      if (sale.kind === 'sale') entry.inMinor += kept;
      else entry.outMinor += kept;
      if (t.type === 'cash') who.cashNetMinor += sale.kind === 'sale' ? kept : -kept;
      tenders.set(t.type, entry);
    }
  }
  const cash = tenders.get('cash') ?? { inMinor: 0, outMinor: 0 };
  return {
    shiftId: shift.shiftId,
    openedAt: new Date(shift.openedAt).toISOString(),
    at: new Date().toISOString(),
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
    cashiers: [...cashiers.values()].sort((a, b) => (a.cashierId ?? '').localeCompare(b.cashierId ?? '')),
    paidInMinor: moves.paidInMinor,
    paidOutMinor: moves.paidOutMinor,
    expectedCashMinor:
      shift.floatMinor + cash.inMinor - cash.outMinor + moves.paidInMinor - moves.paidOutMinor,
  };
}

/** The Z-report: the shift's totals at closing, with the drawer counted against what it should hold. */
export function zReport(
  shift: ShiftFacts,
  sales: readonly Sale[],
  countedCashMinor: number,
  closedAt: number,
  moves: DrawerMoves = NO_MOVES,
  names: ReadonlyMap<string, string> = new Map(),
): ZReport {
  const { at: _at, ...totals } = shiftTotals(shift, sales, moves, names);
  return {
    ...totals,
    closedAt: new Date(closedAt).toISOString(),
    countedCashMinor,
    differenceMinor: countedCashMinor - totals.expectedCashMinor,
  };
}
