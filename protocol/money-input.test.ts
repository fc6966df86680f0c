import { describe, expect, it } from 'vitest';
import { formatPriceInput, parseDecimal, parsePrice } from './money-input';

const ok = (minor: number) => ({ ok: true, minor });
const no = (reason: string) => ({ ok: false, reason });

describe('parsePrice: a price as typed → exact minor units', () => {
  it('follows the currency exponent (XOF 0, EUR 2, BHD 3)', () => {
    expect(parsePrice('1500', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('12,50', 'EUR', 'fr')).toEqual(ok(1250));
    expect(parsePrice('12', 'EUR', 'en')).toEqual(ok(1200));
    expect(parsePrice('12.5', 'EUR', 'en')).toEqual(ok(1250));
    expect(parsePrice('1.234', 'BHD', 'en')).toEqual(ok(1234));
    expect(parsePrice('0.10', 'EUR', 'en')).toEqual(ok(10));
    // 0.1 + 0.2 territory: exact, never through a float.
    expect(parsePrice('19.99', 'EUR', 'en')).toEqual(ok(1999));
    expect(parsePrice('1234567.89', 'USD', 'en')).toEqual(ok(123456789));
  });

  it("reads each language's thousands separators", () => {
    expect(parsePrice('1 500', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('1\u202f500', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('1\u00a0500', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('1 234 567,50', 'EUR', 'fr')).toEqual(ok(123456750));
    expect(parsePrice('1,500', 'XOF', 'en')).toEqual(ok(1500));
    expect(parsePrice('1,250.00', 'EUR', 'en')).toEqual(ok(125000));
    expect(parsePrice('15.000', 'IDR', 'id')).toEqual(ok(1500000));
    expect(parsePrice('1.000.000,50', 'IDR', 'id')).toEqual(ok(100000050));
    expect(parsePrice("1'500", 'XOF', 'en')).toEqual(ok(1500));
  });

  it('takes the decimal mark a shopkeeper types when only one reading is possible', () => {
    // "12.50" is a price in French and Indonesian too: two digits after a mark cannot be thousands.
    expect(parsePrice('12.50', 'EUR', 'fr')).toEqual(ok(1250));
    expect(parsePrice('12.50', 'IDR', 'id')).toEqual(ok(1250));
    expect(parsePrice('12,50', 'EUR', 'en')).toEqual(ok(1250));
  });

  it('strips the currency code or symbol typed with the amount', () => {
    expect(parsePrice('1 500 FCFA', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('XOF 1500', 'XOF', 'en')).toEqual(ok(1500));
    expect(parsePrice('€12.50', 'EUR', 'en')).toEqual(ok(1250));
    expect(parsePrice('12,50 €', 'EUR', 'fr')).toEqual(ok(1250));
    expect(parsePrice('Rp 15.000', 'IDR', 'id')).toEqual(ok(1500000));
  });

  it('accepts trailing zeros beyond the exponent, which change nothing', () => {
    expect(parsePrice('1 500,00', 'XOF', 'fr')).toEqual(ok(1500));
    expect(parsePrice('12.500', 'EUR', 'en')).toEqual(ok(1250));
  });

  it('refuses what the currency cannot hold, rather than rounding', () => {
    expect(parsePrice('1500,5', 'XOF', 'fr')).toEqual(no('too_many_decimals'));
    expect(parsePrice('12.505', 'EUR', 'en')).toEqual(no('too_many_decimals'));
    expect(parsePrice('1.2345', 'BHD', 'en')).toEqual(no('too_many_decimals'));
    expect(parsePrice('90071992547409.92', 'EUR', 'en')).toEqual(no('too_large'));
    expect(parsePrice('9007199254740991', 'XOF', 'en')).toEqual(ok(Number.MAX_SAFE_INTEGER));
  });

  it('refuses what could be read two ways', () => {
    // French groups with spaces; "1.500" there is 1500 or 1.5.
    expect(parsePrice('1.500', 'EUR', 'fr')).toEqual(no('ambiguous'));
    // Where the language says, it is not ambiguous.
    expect(parsePrice('1.500', 'EUR', 'en')).toEqual(ok(150));
    expect(parsePrice('1.500', 'EUR', 'id')).toEqual(ok(150000));
  });

  it('refuses empty, negative and malformed input', () => {
    expect(parsePrice('', 'EUR', 'en')).toEqual(no('empty'));
    expect(parsePrice('   ', 'EUR', 'en')).toEqual(no('empty'));
    expect(parsePrice('-5', 'EUR', 'en')).toEqual(no('negative'));
    expect(parsePrice('−5', 'EUR', 'en')).toEqual(no('negative'));
    for (const bad of [
      'abc',
      '12.50.1',
      '1,2,3',
      '1e3',
      '0x10',
      '12.',
      '.5',
      '1 50',
      '12 ,50',
      'Infinity',
      'NaN',
      '١٢',
    ])
      expect(parsePrice(bad, 'EUR', 'en'), bad).toEqual(no('format'));
    expect(parsePrice('€', 'EUR', 'en')).toEqual(no('format'));
  });

  it('reads back what formatPriceInput writes, in every language and exponent', () => {
    for (const locale of ['en', 'fr', 'id'])
      for (const [currency, minor] of [
        ['XOF', 0],
        ['XOF', 1500],
        ['XOF', 1234567],
        ['EUR', 5],
        ['EUR', 1250],
        ['EUR', 123456789],
        ['IDR', 1500000],
        ['BHD', 1234],
      ] as const) {
        const typed = formatPriceInput(minor, currency, locale);
        expect(parsePrice(typed, currency, locale), `${locale} ${currency} ${typed}`).toEqual(ok(minor));
      }
    expect(formatPriceInput(1250, 'EUR', 'fr')).toBe('12,50');
    expect(formatPriceInput(1500, 'XOF', 'en')).toBe('1,500');
  });
});

describe('parseDecimal: a tax rate as typed → basis points', () => {
  it('reads 18, 18,5 and 7.25 per cent exactly, and refuses a third decimal', () => {
    expect(parseDecimal('18', 2, 'fr')).toEqual(ok(1800));
    expect(parseDecimal('18,5', 2, 'fr')).toEqual(ok(1850));
    expect(parseDecimal('7.25', 2, 'en')).toEqual(ok(725));
    expect(parseDecimal('11', 2, 'id')).toEqual(ok(1100));
    expect(parseDecimal('7.125', 2, 'en')).toEqual(no('too_many_decimals'));
  });
});
