import type { SaleSummary } from '../../../protocol/api';

/**
 * Whether every unit of a sale has come back through the refunds in `sales` (the recent list): such
 * a sale offers no more refund (#18). Counted per SKU, as the core matches refund lines.
 */
export function fullyRefunded(sale: SaleSummary, sales: readonly SaleSummary[]): boolean {
  const left = new Map<string, number>();
  for (const l of sale.lines) left.set(l.sku, (left.get(l.sku) ?? 0) + l.qty);
  for (const r of sales)
    if (r.kind === 'refund' && r.originalSaleId === sale.saleId)
      for (const l of r.lines) left.set(l.sku, (left.get(l.sku) ?? 0) - l.qty);
  return [...left.values()].every((q) => q <= 0);
}
