import { describe, expect, it } from 'vitest';
import { CurrencyCode } from './api';
import { formatMoney, isKnownCurrency, minorUnitExponent } from './money';

describe('money', () => {
  it('takes minor-unit exponents from ISO 4217', () => {
    expect(minorUnitExponent('XOF')).toBe(0);
    expect(minorUnitExponent('IDR')).toBe(2);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('BHD')).toBe(3);
  });

  it('formats integer minor units exactly, whatever the size', () => {
    expect(formatMoney(1500, 'XOF', 'fr')).toBe(
      new Intl.NumberFormat('fr', { style: 'currency', currency: 'XOF' }).format(1500),
    );
    expect(formatMoney(5, 'EUR', 'en')).toBe('€0.05');
    expect(formatMoney(-1999, 'EUR', 'en')).toBe('-€19.99');
    expect(formatMoney(1, 'BHD', 'en')).toContain('0.001');
    // 2^53 - 1 cents: a float division would round the last digit.
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR', 'en')).toBe('€90,071,992,547,409.91');
    // Sums past 2^53 − 1 arrive as decimal text (the takings, #16 L-2) and format to the last digit.
    expect(formatMoney('18014398509481982', 'EUR', 'en')).toBe('€180,143,985,094,819.82');
    expect(formatMoney('-5', 'EUR', 'en')).toBe('-€0.05');
    expect(formatMoney(123n, 'EUR', 'en')).toBe('€1.23');
  });

  it('knows which codes are currencies', () => {
    expect(isKnownCurrency('XOF')).toBe(true);
    expect(isKnownCurrency('ABC')).toBe(false);
    expect(isKnownCurrency('eur')).toBe(false);
    expect(CurrencyCode.safeParse('XYZ').success).toBe(false);
    expect(CurrencyCode.safeParse('IDR').success).toBe(true);
  });
});
