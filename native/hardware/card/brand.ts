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
  let iin = 0;
  for (let i = 0; i < 6; i++) iin = iin * 10 + ((pan[i] ?? 0) - 0x30);
  for (const [low, high, brand] of RANGES) if (iin >= low && iin <= high) return brand;
  return 'unknown';
}
