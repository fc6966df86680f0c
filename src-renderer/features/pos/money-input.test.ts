import { describe, expect, it } from 'vitest';
import { parseMajor, toMajorText, writtenExample } from './money-input';

describe('parseMajor reads amounts as the chosen locale writes them (#18)', () => {
  it('reads ten thousand and a half as en, fr and id write it', () => {
    expect(parseMajor('10,000.50', 'EUR', 'en')).toBe(1_000_050);
    expect(parseMajor('10 000,50', 'EUR', 'fr')).toBe(1_000_050);
    expect(parseMajor('10\u202f000,50', 'EUR', 'fr')).toBe(1_000_050);
    expect(parseMajor('10.000,50', 'IDR', 'id')).toBe(1_000_050);
  });

  it('reads an Indonesian cashier’s "10.000" as ten thousand rupiah, and big grouped amounts', () => {
    expect(parseMajor('10.000', 'IDR', 'id')).toBe(1_000_000);
    expect(parseMajor('1.250.000', 'IDR', 'id')).toBe(125_000_000);
    expect(parseMajor('10000', 'IDR', 'id')).toBe(1_000_000);
    expect(parseMajor('10 000', 'IDR', 'id')).toBe(1_000_000);
    expect(parseMajor('5000', 'XOF', 'fr')).toBe(5000);
    expect(parseMajor('10,000', 'XOF', 'en')).toBe(10_000);
  });

  it('never reads a thousand-fold amount: the other locale’s writing is refused, not guessed', () => {
    // Ten thousand as id writes it, typed in English: a decimal point with three decimals.
    expect(parseMajor('10.000', 'IDR', 'en')).toBeNull();
    expect(parseMajor('10.000', 'XOF', 'en')).toBeNull();
    // Ten thousand as en writes it, typed in Indonesian: a decimal comma with three decimals.
    expect(parseMajor('10,000', 'IDR', 'id')).toBeNull();
    // French: a dot followed by three digits could be a thousands dot.
    expect(parseMajor('10.000', 'EUR', 'fr')).toBeNull();
    expect(parseMajor('1.000', 'BHD', 'fr')).toBeNull();
  });

  it('refuses misplaced grouping and more decimals than the currency has', () => {
    expect(parseMajor('1,00', 'USD', 'en')).toBeNull();
    expect(parseMajor('10.5', 'IDR', 'id')).toBeNull();
    expect(parseMajor('1,0000', 'XOF', 'en')).toBeNull();
    expect(parseMajor('1 0000', 'XOF', 'fr')).toBeNull();
    expect(parseMajor('12.5', 'XOF', 'en')).toBeNull();
    expect(parseMajor('12,505', 'EUR', 'fr')).toBeNull();
    expect(parseMajor('1.2.3', 'EUR', 'en')).toBeNull();
    expect(parseMajor('10,000.50.1', 'EUR', 'en')).toBeNull();
  });

  it('refuses what is not an amount, or too large to be exact', () => {
    for (const text of ['', ' ', 'abc', '12a', '-5', '.', ',', '1e3', '0x10'])
      expect(parseMajor(text, 'EUR', 'en')).toBeNull();
    expect(parseMajor('90071992547409.93', 'EUR', 'en')).toBeNull();
    expect(parseMajor('90071992547409.91', 'EUR', 'en')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps what a cashier typed before: plain digits, a leading decimal, a French keypad dot', () => {
    expect(parseMajor('12.50', 'EUR', 'en')).toBe(1250);
    expect(parseMajor('.5', 'EUR', 'en')).toBe(50);
    expect(parseMajor('12,50', 'EUR', 'fr')).toBe(1250);
    expect(parseMajor('12.50', 'EUR', 'fr')).toBe(1250);
    expect(parseMajor(' 1 250,5 ', 'EUR', 'fr')).toBe(125_050);
  });
});

describe('toMajorText prefills a field in a form its parser reads back', () => {
  it('writes the locale’s decimal character, no grouping, and round-trips', () => {
    expect(toMajorText(1_000_050, 'IDR', 'id')).toBe('10000,50');
    expect(toMajorText(1250, 'EUR', 'fr')).toBe('12,50');
    expect(toMajorText(1250, 'EUR', 'en')).toBe('12.50');
    expect(toMajorText(5000, 'XOF', 'fr')).toBe('5000');
    for (const locale of ['en', 'fr', 'id'])
      for (const [minor, currency] of [
        [1_000_050, 'IDR'],
        [5, 'EUR'],
        [5000, 'XOF'],
        [1234, 'BHD'],
      ] as const)
        expect(parseMajor(toMajorText(minor, currency, locale), currency, locale)).toBe(minor);
  });

  it('gives ten thousand as a model the parser reads', () => {
    expect(writtenExample('IDR', 'id')).toBe('10.000,50');
    expect(writtenExample('XOF', 'en')).toBe('10,000');
    for (const locale of ['en', 'fr', 'id'])
      expect(parseMajor(writtenExample('EUR', locale), 'EUR', locale)).toBe(1_000_050);
  });
});
