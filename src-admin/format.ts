import { minorUnitExponent } from '../protocol/money';

/** How the console shows times and clock offsets in the user's locale (issue #19, item 4). */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/**
 * `iso` relative to `now` in the largest whole unit ("3 minutes ago", "il y a 2 heures", "dalam 1
 * hari"); under ten seconds, "now" in the locale's own word.
 */
export function relativeTime(iso: string, now: number, locale: string): string {
  const diff = Date.parse(iso) - now;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (Math.abs(diff) < 10_000) return format.format(0, 'second');
  const [unit, size] = UNITS.find(([, ms]) => Math.abs(diff) >= ms)!;
  return format.format(Math.trunc(diff / size), unit);
}

/** The absolute time, long date and short time, in the locale. */
export function absoluteTime(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'long', timeStyle: 'short' });
}

/**
 * Beyond this a till's clock is flagged: signed files and QR payment tokens allow five minutes of
 * skew (CLOCK_SKEW_MS, QR_CLOCK_SKEW_MS), so a till this far off starts being refused.
 */
export const LARGE_CLOCK_OFFSET_MS = 5 * 60_000;

/**
 * A till's clock minus the server's as a signed duration ("+2 min 5 s", "−45 s", "+3 h 0 min"),
 * with the numbers in the locale, and whether it is large enough to flag.
 */
export function clockOffset(ms: number, locale: string): { text: string; large: boolean } {
  const abs = Math.abs(ms);
  const unit = (value: number, u: 'hour' | 'minute' | 'second' | 'millisecond') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const parts =
    h > 0
      ? [unit(h, 'hour'), unit(m, 'minute')]
      : m > 0
        ? [unit(m, 'minute'), unit(s, 'second')]
        : abs >= 1000
          ? [unit(s, 'second')]
          : [unit(abs, 'millisecond')];
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '';
  return { text: sign + parts.join(' '), large: abs >= LARGE_CLOCK_OFFSET_MS };
}

/** An amount in minor units as the plain decimal a form field holds: 150000 EUR cents → "1500.00". */
export function majorText(minor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return String(minor);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  return `${minor < 0 ? '-' : ''}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * What a person typed ("1 500,50", "1500.5") as minor units of `currency`; NaN when it is not an
 * amount of that currency (letters, more decimals than it has), which the server then refuses for
 * that field in words.
 */
export function toMinor(typed: string, currency: string): number {
  const exponent = minorUnitExponent(currency);
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(typed.replaceAll(/[\s\u00a0\u202f]/g, ''));
  if (!match || (match[2] ?? '').length > exponent) return NaN;
  return Number(match[1]! + (match[2] ?? '').padEnd(exponent, '0'));
}
