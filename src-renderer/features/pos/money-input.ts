import { minorUnitExponent } from '../../../protocol/money';

/**
 * An amount typed in major units ("5000", "12,50", "1 250.5") as an exact count of minor units,
 * parsed from the decimal string, never through floating point. Spaces (grouping, as French
 * cashiers type them) are ignored; one dot or comma is the decimal separator. Null when the text
 * is not an amount in this currency (too many decimals, letters, too large).
 */
export function parseMajor(text: string, currency: string): number | null {
  const exponent = minorUnitExponent(currency);
  const compact = text.replace(/[\s\u00a0\u202f']/g, '');
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(compact) ?? /^()[.,](\d+)$/.exec(compact);
  if (!match) return null;
  const whole = match[1] || '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return null;
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(minor);
}

/** Minor units as the plain decimal a cashier would type back ("12.50", "5000"): for prefilling fields. */
export function toMajorText(minor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  return exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
