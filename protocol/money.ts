import { z } from 'zod';

/**
 * Money is an integer count of a currency's minor units (XOF has none, EUR has cents, BHD has
 * thousandths). Exponents follow ISO 4217, which card networks and banks use; Intl's CLDR data is
 * only for display and disagrees for some currencies (it shows IDR with no decimals, ISO 4217 has 2).
 */
export const MinorAmount = z.number().int().safe();

const ISO_4217_EXPONENT_0 = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const ISO_4217_EXPONENT_3 = new Set('BHD IQD JOD KWD LYD OMR TND'.split(' '));
const ISO_4217_EXPONENT_4 = new Set(['CLF', 'UYW']);

// Built once: Intl rebuilds its list on every call (~20 µs), and the server checks each sale's currency.
let knownCurrencies: ReadonlySet<string> | undefined;

export function isKnownCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

export function minorUnitExponent(currency: string): number {
  if (ISO_4217_EXPONENT_0.has(currency)) return 0;
  if (ISO_4217_EXPONENT_3.has(currency)) return 3;
  if (ISO_4217_EXPONENT_4.has(currency)) return 4;
  return 2;
}

/**
 * `minor` may be a number, a bigint or a decimal integer string (`"-123"`): sums the server cannot
 * hold exactly as a number arrive as text (the takings, the ledger check), and format exactly too.
 */
export function formatMoney(minor: number | bigint | string, currency: string, locale: string): string {
  const exponent = minorUnitExponent(currency);
  // Divide via the decimal string, not floating point, so large amounts format exactly.
  const value = BigInt(minor);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const major = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return formatter.format(`${negative ? '-' : ''}${major}` as Intl.StringNumericLiteral);
}
