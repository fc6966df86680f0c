import type { CatalogEntry } from '../../../protocol/api';
import { lineAmounts, type LineAmounts, type PricedLine } from '../../../protocol/tax';

/**
 * The cart as the cashier builds it, and its totals computed with the core's own line arithmetic
 * (protocol/tax.ts, docs/sync.md "Capture"); sale total = Σ lines. For display only: the core
 * recomputes and its answer is what the receipt shows.
 */
export type CartItem = PricedLine;

export type LineTotals = LineAmounts;

export const lineTotals = (line: CartItem): LineTotals => lineAmounts(line);

export interface CartTotals {
  subtotalMinor: bigint;
  discountMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  invalid: boolean;
}

export function cartTotals(lines: readonly CartItem[]): CartTotals {
  let subtotal = 0n;
  let discount = 0n;
  let tax = 0n;
  let total = 0n;
  let invalid = false;
  for (const line of lines) {
    const t = lineTotals(line);
    subtotal += t.grossMinor;
    discount += BigInt(line.discountMinor);
    tax += t.taxMinor;
    total += t.totalMinor;
    invalid ||= t.discountTooLarge;
  }
  return { subtotalMinor: subtotal, discountMinor: discount, taxMinor: tax, totalMinor: total, invalid };
}

/** Adds one of a catalog item: a second scan of the same product raises the quantity. */
export function addToCart(lines: readonly CartItem[], entry: CatalogEntry): CartItem[] {
  const found = lines.find((l) => l.sku === entry.sku);
  if (found) return lines.map((l) => (l === found ? { ...l, qty: l.qty + 1 } : l));
  return [
    ...lines,
    {
      sku: entry.sku,
      name: entry.name,
      qty: 1,
      unitPriceMinor: entry.priceMinor,
      discountMinor: 0,
      taxRateBp: entry.taxRateBp,
    },
  ];
}

export const isBarcode = (text: string) => /^\d{8,14}$/.test(text.trim());

/** Basis points as a percentage for display: 1800 → "18", 550 → "5.5". */
export function percentText(bp: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(bp / 100);
}
