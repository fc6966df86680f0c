import { minorUnitExponent } from './money';

/**
 * A price as a shopkeeper types it ("1 500" XOF, "12,50" € in French, "12.50" or "1,250.00" in
 * English, "Rp 15.000" in Indonesian) → an exact integer count of the currency's minor units, never
 * through a float. What the currency cannot hold (a decimal of XOF, a third decimal of EUR) or what
 * could be read two ways is refused, never rounded or guessed (issue #19, the console's catalog).
 */

export type PriceRefusal =
  /** Nothing typed. */
  | 'empty'
  /** Not a number: letters, two decimal points, groups that are not of three digits. */
  | 'format'
  | 'negative'
  /** More decimals than the currency has (any decimal for XOF), other than trailing zeros. */
  | 'too_many_decimals'
  /** "1.500" where neither the language nor the digits say whether it is 1500 or 1.5. */
  | 'ambiguous'
  /** Beyond what the server stores exactly (Number.MAX_SAFE_INTEGER minor units). */
  | 'too_large';

export type ParsedPrice = { ok: true; minor: number } | { ok: false; reason: PriceRefusal };

/** Characters only ever used to group thousands: spaces (incl. no-break and narrow), apostrophes. */
const SPACE_GROUP = /[\s\u00a0\u202f\u2009'’]/gu;

function separators(locale: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
  return {
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
  };
}

/** The currency's code and its symbols in this locale ("€", "F CFA", "Rp"), longest first. */
function currencyMarks(currency: string, locale: string): string[] {
  const marks = new Set([currency]);
  // How West and Central Africa write the franc, whatever Intl's symbol.
  if (currency === 'XOF' || currency === 'XAF') marks.add('FCFA').add('CFA');
  for (const currencyDisplay of ['symbol', 'narrowSymbol'] as const) {
    const parts = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay,
    }).formatToParts(1);
    const symbol = parts.find((p) => p.type === 'currency')?.value;
    if (symbol) marks.add(symbol);
  }
  return [...marks].sort((a, b) => b.length - a.length);
}

const refuse = (reason: PriceRefusal): ParsedPrice => ({ ok: false, reason });

/** Integer digits grouped by `sep` (none, or groups of three after the first 1-3): the digits alone. */
function ungroup(integer: string, sep: RegExp): string | undefined {
  const groups = integer.split(sep);
  if (groups.length === 1) return /^\d+$/.test(integer) ? integer : undefined;
  const [first, ...rest] = groups;
  if (!/^\d{1,3}$/.test(first!) || !rest.every((g) => /^\d{3}$/.test(g))) return undefined;
  return groups.join('');
}

export function parsePrice(input: string, currency: string, locale: string): ParsedPrice {
  let text = input.trim();
  for (const mark of currencyMarks(currency, locale)) {
    const upper = text.toUpperCase();
    if (upper.startsWith(mark.toUpperCase())) text = text.slice(mark.length).trim();
    else if (upper.endsWith(mark.toUpperCase())) text = text.slice(0, -mark.length).trim();
  }
  if (text === '' && input.trim() !== '') return refuse('format');
  return parseDecimal(text, minorUnitExponent(currency), locale);
}

/**
 * A non-negative decimal as typed in `locale` → an integer count of 10^-exponent (a price's minor
 * units; a tax rate's basis points with exponent 2), with parsePrice's rules and refusals.
 */
export function parseDecimal(input: string, exponent: number, locale: string): ParsedPrice {
  let text = input.trim();
  if (text === '') return refuse('empty');
  if (/^[-−]/u.test(text)) return refuse('negative');
  // Spaces and apostrophes group thousands in every language: one kind of mark for them.
  text = text.replace(SPACE_GROUP, ' ');
  if (!/^\d[\d ,.]*$/.test(text)) return refuse('format');

  const { decimal, group } = separators(locale);
  const dots = text.split('.').length - 1;
  const commas = text.split(',').length - 1;
  let point: '.' | ',' | undefined;
  if (dots > 0 && commas > 0) point = text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',';
  else if (dots + commas === 1) {
    const mark = dots === 1 ? '.' : ',';
    const after = text.length - text.indexOf(mark) - 1;
    if (mark === decimal) point = mark;
    else if (after === 3 && /^\d{1,3}[.,]\d{3}$/.test(text.replaceAll(' ', '')))
      // "1,500" in English is 1500; "1.500" in French could be either.
      if (mark === group) point = undefined;
      else return refuse('ambiguous');
    else point = mark;
  }
  // Several of one mark, none of the other: they group thousands ("1.000.000" in Indonesian).
  const [integerPart, fraction = '', extra] = point === undefined ? [text] : text.split(point);
  if (extra !== undefined || !/^\d*$/.test(fraction)) return refuse('format');
  const grouping = point === '.' ? / |,/ : point === ',' ? / |\./ : / |[.,]/;
  const digits = ungroup(integerPart!, grouping);
  if (digits === undefined || (point !== undefined && fraction === '')) return refuse('format');

  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) return refuse('too_many_decimals');
  const minor = BigInt(digits + significant.padEnd(exponent, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return refuse('too_large');
  return { ok: true, minor: Number(minor) };
}

/** A stored price as the form shows it for editing: the locale's digits, no symbol; parsePrice reads it back. */
export function formatPriceInput(minor: number, currency: string, locale: string): string {
  const exponent = minorUnitExponent(currency);
  const digits = minor.toString().padStart(exponent + 1, '0');
  const major = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(major as Intl.StringNumericLiteral);
}
