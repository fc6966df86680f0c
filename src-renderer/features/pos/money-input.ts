import { minorUnitExponent } from '../../../protocol/money';

/** Any space a cashier or Intl puts between thousands (space, no-break, narrow no-break) or a ' . */
const SPACES = /[\s\u00a0\u202f']/g;

/** The locale's decimal and grouping characters, as Intl writes them ("en": "." and ","). */
function separators(locale: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(10000.5);
  const of = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { decimal: of('decimal') || '.', group: of('group').replace(SPACES, ' ') };
}

/**
 * An amount typed in major units as the locale writes it (en "10,000.50", fr "10 000,50",
 * id "10.000,50") as an exact count of minor units, parsed from the decimal string, never through
 * floating point. Spaces always group thousands; the locale's grouping character is taken only
 * between groups of three digits, its decimal character once. In French, where "." is neither, a
 * keypad's "." is a decimal point too, unless three digits follow it (a thousands dot as other
 * languages write it: ambiguous, refused). Null when the text is not an amount in this currency:
 * misplaced grouping ("1,00" in English, "10.5" in Indonesian), more decimals than the currency
 * has (so "10.000" in English, or "10,000" in Indonesian, is never read as ten thousand), letters,
 * too large. Refused, never guessed: a wrong guess is a thousand-fold amount.
 */
export function parseMajor(text: string, currency: string, locale = 'en'): number | null {
  const exponent = minorUnitExponent(currency);
  const { decimal, group } = separators(locale);
  const foreign = ['.', ','].find((c) => c !== decimal && c !== group);
  let marked = '';
  for (const c of text.trim().replace(SPACES, ' ')) {
    if (c === ' ' || c === group) marked += 'G';
    else if (c === decimal || c === foreign) marked += c === decimal ? 'D' : 'F';
    else marked += c;
  }
  if (/F\d{3}$/.test(marked)) return null;
  const match = /^(\d{1,3}(?:G\d{3})*|\d+)?(?:[DF](\d*))?$/.exec(marked);
  if (!match || !/\d/.test(marked)) return null;
  const whole = (match[1] ?? '0').replace(/G/g, '');
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return null;
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(minor);
}

/**
 * Minor units as the plain decimal a cashier would type back, in the locale's decimal character
 * and without grouping ("12.50" in English, "12,50" in French, "5000"): for prefilling fields.
 */
export function toMajorText(minor: number, currency: string, locale = 'en'): string {
  const exponent = minorUnitExponent(currency);
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  if (exponent === 0) return digits;
  return `${digits.slice(0, -exponent)}${separators(locale).decimal}${digits.slice(-exponent)}`;
}

/** Ten thousand (and a half, where the currency has decimals) as the locale writes it: a model. */
export function writtenExample(currency: string, locale = 'en'): string {
  const exponent = minorUnitExponent(currency);
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(exponent === 0 ? 10000 : 10000.5);
}
