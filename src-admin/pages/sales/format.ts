import { formatMoney } from '../../../protocol/money';

/** What the Review, Sales, Takings and Ledger pages share (issue #19, items 7 and 8). */

/**
 * Minor units in the currency's own format for the console's language (protocol/money.ts); sums
 * arrive as decimal text and format exactly, however large.
 */
export const money = (minor: number | string, currency: string, locale: string) =>
  formatMoney(minor, currency, locale);

export const when = (iso: string, locale: string) =>
  new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });

/** The browser's time zone: the server bounds days in it, so "today" is the user's day. */
export const localTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Today in the browser's time zone, YYYY-MM-DD. */
export const today = () => new Date().toLocaleDateString('en-CA');

/** A query string of the form's filled fields (blank ones are left out). */
export function queryOf(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value) params.set(key, value);
  return params.toString();
}

/** A decimal amount typed in the currency's units, as minor units ("12.5" EUR → "1250"), or undefined. */
export function toMinor(text: string, exponent: number): string | undefined {
  const m = /^(\d{1,15})(?:[.,](\d*))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = (m[2] ?? '').padEnd(exponent, '0');
  if (fraction.length > exponent) return undefined;
  return String(BigInt(m[1]! + fraction));
}
