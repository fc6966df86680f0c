/**
 * Line arithmetic of a sale, in integer minor units with BigInt so no intermediate leaves the exact
 * integers. Tax is exclusive and computed per line on the discounted amount:
 * tax = round-half-up(net × rate_bp / 10 000), net = qty × unit − discount, line total = net + tax
 * (what protocol/bundle's checkSale verifies). The till's core records with it
 * (src-main/core/pos/totals.ts) and the cart shows the same numbers (src-renderer/features/pos/cart.ts).
 */

/** round-half-up(numerator / denominator) for non-negative integers. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n)
    throw new RangeError('non-negative numerator, positive denominator');
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** The tax on a net amount at a rate in basis points. */
export function taxOn(netMinor: bigint, taxRateBp: number): bigint {
  return divRoundHalfUp(netMinor * BigInt(taxRateBp), 10_000n);
}

export interface LineAmounts {
  grossMinor: bigint;
  /** 0 when the discount is above the price. */
  netMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  /** The discount is more than the line's price: the core refuses it (DISCOUNT_TOO_LARGE). */
  discountTooLarge: boolean;
}

/** A line as the cashier enters it: the core's capture input and the renderer's cart line. */
export interface PricedLine {
  sku: string;
  name: string;
  qty: number;
  unitPriceMinor: number;
  discountMinor: number;
  taxRateBp: number;
}

export function lineAmounts(
  line: Pick<PricedLine, 'qty' | 'unitPriceMinor' | 'discountMinor' | 'taxRateBp'>,
): LineAmounts {
  const gross = BigInt(line.qty) * BigInt(line.unitPriceMinor);
  const discount = BigInt(line.discountMinor);
  const discountTooLarge = discount > gross;
  const net = discountTooLarge ? 0n : gross - discount;
  const tax = taxOn(net, line.taxRateBp);
  return { grossMinor: gross, netMinor: net, taxMinor: tax, totalMinor: net + tax, discountTooLarge };
}
