import type { CardBrand } from './types';

// IIN ranges as published by the networks (ISO/IEC 7812 issuer identification numbers). Ranges are
// compared on the first six digits; order matters where networks overlap (Verve's 650002–650027
// sits inside Discover's 65).
const RANGES: ReadonlyArray<readonly [number, number, CardBrand]> = [
  [506099, 506198, 'verve'],
  [507865, 507964, 'verve'],
  [650002, 650027, 'verve'],
  [400000, 499999, 'visa'],
  [510000, 559999, 'mastercard'],
  [222100, 272099, 'mastercard'],
  [340000, 349999, 'amex'],
  [370000, 379999, 'amex'],
  [601100, 601199, 'discover'],
  [644000, 659999, 'discover'],
  [352800, 358999, 'jcb'],
  [620000, 629999, 'unionpay'],
];

/** Brand from the first six digits of an ASCII PAN. */
export function brandOf(pan: Uint8Array): CardBrand {
  if (pan.length < 6) return 'unknown';
  return brandOfPrefix(pan.subarray(0, 6));
}

/**
 * Brand from the first 1–6 digits (ASCII) of a PAN, as a masked track shows them: with six, the
 * first range that holds the IIN; with fewer, the brand whose range holds every IIN starting so
 * when no other brand's range touches them, else 'unknown' (a masked `6500…` may be Discover or Verve).
 */
export function brandOfPrefix(digits: Uint8Array): CardBrand {
  const known = Math.min(digits.length, 6);
  if (known === 0) return 'unknown';
  let value = 0;
  for (let i = 0; i < known; i++) value = value * 10 + ((digits[i] ?? 0) - 0x30);
  const scale = 10 ** (6 - known);
  const low = value * scale;
  const high = low + scale - 1;
  if (known === 6) {
    for (const [from, to, brand] of RANGES) if (low >= from && low <= to) return brand;
    return 'unknown';
  }
  const touching = RANGES.filter(([from, to]) => from <= high && to >= low);
  const holding = touching.find(([from, to]) => from <= low && to >= high);
  return holding && touching.every((r) => r[2] === holding[2]) ? holding[2] : 'unknown';
}
