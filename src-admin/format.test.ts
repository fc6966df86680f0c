import { describe, expect, it } from 'vitest';
import { absoluteTime, clockOffset, LARGE_CLOCK_OFFSET_MS, majorText, relativeTime, toMinor } from './format';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('relativeTime', () => {
  it('takes the largest whole unit, past and future, in each language', () => {
    expect(relativeTime(ago(3 * 60_000 + 59_000), NOW, 'en')).toBe('3 minutes ago');
    expect(relativeTime(ago(2 * 3_600_000), NOW, 'fr')).toBe('il y a 2 heures');
    expect(relativeTime(ago(-26 * 3_600_000), NOW, 'en')).toBe('tomorrow');
    expect(relativeTime(ago(45_000), NOW, 'id')).toBe('45 detik yang lalu');
    expect(relativeTime(ago(15 * 86_400_000), NOW, 'en')).toBe('2 weeks ago');
    expect(relativeTime(ago(400 * 86_400_000), NOW, 'en')).toBe('last year');
  });
  it('says "now" under ten seconds either way', () => {
    expect(relativeTime(ago(9_999), NOW, 'en')).toBe('now');
    expect(relativeTime(ago(-9_999), NOW, 'fr')).toBe('maintenant');
    expect(relativeTime(ago(10_000), NOW, 'en')).toBe('10 seconds ago');
  });
});

describe('absoluteTime', () => {
  it('is the long date and short time of the locale', () => {
    const text = absoluteTime('2026-12-05T10:00:00Z', 'fr');
    expect(text).toContain('décembre 2026');
  });
});

describe('clockOffset', () => {
  it('signs the till minus the server and keeps two units at most', () => {
    expect(clockOffset(125_000, 'en')).toEqual({ text: '+2m 5s', large: false });
    expect(clockOffset(-45_400, 'en')).toEqual({ text: '−45s', large: false });
    expect(clockOffset(3 * 3_600_000 + 61_000, 'en')).toEqual({ text: '+3h 1m', large: true });
    expect(clockOffset(250, 'en')).toEqual({ text: '+250ms', large: false });
    expect(clockOffset(0, 'en')).toEqual({ text: '0ms', large: false });
  });
  it('flags from five minutes off, ahead or behind, not a millisecond before', () => {
    expect(clockOffset(LARGE_CLOCK_OFFSET_MS - 1, 'en').large).toBe(false);
    expect(clockOffset(LARGE_CLOCK_OFFSET_MS, 'en').large).toBe(true);
    expect(clockOffset(-LARGE_CLOCK_OFFSET_MS, 'en').large).toBe(true);
  });
  it('writes the units in the language', () => {
    expect(clockOffset(-125_000, 'id').text).toBe('−2 mnt 5 dtk');
    expect(clockOffset(125_000, 'fr').text).toBe('+2min 5s');
  });
});

describe('amounts in a form', () => {
  it('show minor units as the currency’s decimal and read them back', () => {
    expect(majorText(150_000, 'EUR')).toBe('1500.00');
    expect(majorText(5, 'EUR')).toBe('0.05');
    expect(majorText(20_000, 'XOF')).toBe('20000');
    expect(toMinor('1500.00', 'EUR')).toBe(150_000);
    expect(toMinor('1 500,5', 'EUR')).toBe(150_050);
    expect(toMinor('20 000', 'XOF')).toBe(20_000);
    expect(toMinor('1.234', 'BHD')).toBe(1234);
  });
  it('is NaN for what is no amount of the currency, so the server refuses that field', () => {
    expect(toMinor('12.5', 'XOF')).toBeNaN();
    expect(toMinor('1.005', 'EUR')).toBeNaN();
    expect(toMinor('-5', 'EUR')).toBeNaN();
    expect(toMinor('abc', 'EUR')).toBeNaN();
    expect(toMinor('', 'EUR')).toBeNaN();
  });
});
