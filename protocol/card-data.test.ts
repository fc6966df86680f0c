import { describe, expect, it } from 'vitest';
import { classifyCardData, holdsCardData, redactCardData, startsCardData } from './card-data';

/** The networks' public test numbers (and one 14-digit Diners number, one 13-digit Visa). */
const CARDS = [
  '4111111111111111',
  '5500005555555559',
  '5555555555554444',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
  '3530111333300000',
  '4012888888881881',
  '30569309025904',
  '4222222222222',
];
/** Real product codes: EAN-13 (4006381333931 is a Stabilo pen, 9780306406157 an ISBN), UPC-A, EAN-8. */
const BARCODES = ['4006381333931', '9780306406157', '036000291452', '96385074', '6001234567890'];

describe('card data in scanned or typed text', () => {
  it('finds test card numbers bare, grouped with spaces or dashes, and inside other text', () => {
    for (const pan of CARDS) {
      expect(classifyCardData(pan), pan).toBe('card-data');
      const grouped = pan.replace(/(\d{4})(?=\d)/g, '$1 ');
      expect(holdsCardData(grouped), grouped).toBe(true);
      expect(holdsCardData(pan.replace(/(\d{4})(?=\d)/g, '$1-')), pan).toBe(true);
      expect(holdsCardData(`No product has the barcode ${pan}.`), pan).toBe(true);
      expect(holdsCardData(`Order 12 ${grouped}`), pan).toBe(true);
    }
  });

  /** As cards print them: 4-6-5 (Amex), 4-6-4 (Diners), 4-3-3-3 (13-digit Visa), else fours. */
  const printed = (pan: string): string[] =>
    pan.length === 15 || pan.length === 14
      ? [pan.slice(0, 4), pan.slice(4, 10), pan.slice(10)]
      : pan.length === 13
        ? [pan.slice(0, 4), pan.slice(4, 7), pan.slice(7, 10), pan.slice(10)]
        : pan.match(/\d{4}/g)!;

  // Eighth red-team pass, L-3: dots, doubled spaces and full-width digits hid a card number.
  it('finds card numbers grouped with dots, slashes or repeated spaces, and in full-width digits', () => {
    for (const pan of CARDS) {
      for (const sep of ['.', '  ', ' / ', '_', '\u00a0', '. '])
        expect(holdsCardData(`Card ${printed(pan).join(sep)}`), `${pan} ${sep}`).toBe(true);
      const fullWidth = pan.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
      expect(holdsCardData(fullWidth), fullWidth).toBe(true);
      expect(startsCardData(fullWidth), fullWidth).toBe(pan.length >= 15);
    }
    expect(holdsCardData('％Ｂ4111111111111111^DOE/JOHN^2512')).toBe(true);
  });

  it('still leaves ordinary names, prices, dates, times and phone numbers alone', () => {
    for (const text of [
      'Riz parfumé 25 kg',
      'Huile 1.5 L x 12',
      'Prix: 1.250.000 FCFA',
      '12/05/2026 10:30:45',
      '2026-12-04  19:40:12',
      '+221 77 123 45 67',
      '(221) 33.821.45.67',
      'Lot 2024/11/30 - 0001',
      'v1.2.3.4',
    ]) {
      expect(classifyCardData(text), text).toBe('none');
      expect(startsCardData(text), text).toBe(false);
    }
  });

  // Eighth red-team pass, L-3 (rest): every spelling a person or a scanner could produce.
  const toScript = (pan: string, zero: number) =>
    pan.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
  const spellings = (pan: string): [string, string][] => [
    [
      'short groups with dots',
      `${pan.slice(0, 4)}.${pan.slice(4, 6)}.${pan.slice(6, 8)}.${pan.slice(8, 12)}.${pan.slice(12)}`,
    ],
    ['pairs with spaces', pan.replace(/(\d{2})(?=\d)/g, '$1 ')],
    ['single digits with spaces', pan.split('').join(' ')],
    [
      'ones and twos with slashes',
      pan.replace(/(\d{1,2})(?=\d)/g, (g, _d, at: number) => `${g}${at % 3 ? '/' : ''}`),
    ],
    ['underscores', pan.replace(/(\d{4})(?=\d)/g, '$1_')],
    ['tabs', pan.replace(/(\d{4})(?=\d)/g, '$1\t')],
    ['NBSP pairs', pan.replace(/(\d{2})(?=\d)/g, '$1\u00a0')],
    ['zero-width spaces', pan.replace(/(\d)(?=\d)/g, '$1\u200b')],
    ['soft hyphens and word joiners', pan.replace(/(\d{3})(?=\d)/g, '$1\u00ad\u2060')],
    [
      'mixed runs',
      pan.replace(/(\d{2})(?=\d)/g, (g, _d, at: number) => g + [' . ', '/', '_-_', '\t'][at % 4]),
    ],
    ['Arabic-Indic digits', toScript(pan, 0x660)],
    ['Devanagari digits in fours', toScript(pan, 0x966).replace(/(\p{Nd}{4})(?=\p{Nd})/gu, '$1 ')],
    ['full-width digits in pairs', toScript(pan, 0xff10).replace(/(.{2})(?=.)/gu, '$1 ')],
  ];

  it('finds a card number in every spelling: short groups, any separators, any decimal digits', () => {
    for (const pan of CARDS)
      for (const [how, text] of spellings(pan)) {
        expect(classifyCardData(`Note: ${text} merci`), `${how}: ${JSON.stringify(text)}`).toBe('card-data');
        expect(holdsCardData(text), `${how}: ${JSON.stringify(text)}`).toBe(true);
      }
    for (const [zero, script] of [
      [0x660, 'Arabic-Indic'],
      [0x6f0, 'Persian'],
      [0x966, 'Devanagari'],
      [0xff10, 'full-width'],
    ] as const) {
      const track = `%B${toScript('4111111111111111', zero)}^DOE/JOHN^${toScript('2512101', zero)}?`;
      expect(holdsCardData(track), script).toBe(true);
      expect(startsCardData(`;${toScript('41111111', zero)}`), script).toBe(true);
    }
  });

  // A US-keyboard reader typing into a French AZERTY layout: the digits come out as the unshifted
  // number row, % as 5, ^ as 6, / as !, ; as m, ? as §.
  const AZERTY = {
    '1': '&',
    '2': 'é',
    '3': '"',
    '4': "'",
    '5': '(',
    '6': '-',
    '7': 'è',
    '8': '_',
    '9': 'ç',
    '0': 'à',
  };
  const onAzerty = (digits: string) => digits.replace(/\d/g, (d) => AZERTY[d as keyof typeof AZERTY]);

  it('finds a track a reader typed on an AZERTY layout, and its card number alone', () => {
    const pan = '4111111111111111';
    const track1 = `5B${onAzerty(pan)}6DOE!JOHN6${onAzerty('2512101')}§`;
    expect(track1).toBe(`5B'&&&&&&&&&&&&&&&6DOE!JOHN6é(&é&à&§`);
    const track2 = `m${onAzerty(pan)}=${onAzerty('2512101000')}§`;
    for (const text of [
      track1,
      track2,
      `${track1}${track2}`,
      onAzerty(pan),
      `x ${onAzerty('378282246310005')} y`,
    ]) {
      expect(classifyCardData(text), text).toBe('card-data');
      expect(startsCardData(text), text).toBe(true);
    }
    // As soon as the reader has typed the start of its track.
    expect(startsCardData(`5B${onAzerty('41111111')}`)).toBe(true);
    // QWERTZ keeps the digits: ^ comes out as &, / as -, ? as _, ; as ö.
    for (const text of [`%B${pan}&DOE-JOHN&2512101_`, `ö${pan}´2512101_`])
      expect(holdsCardData(text), text).toBe(true);
  });

  it('leaves dates, times, prices, phone numbers, invoices, references and shop barcodes alone', () => {
    for (const text of [
      '05/12/2026 10:30:45',
      '5.12.26 8:15',
      '2026-12-05T19:40:12',
      'Livré le 05/12/2026 à 10:30, payé le 06/12/2026 à 09:15',
      '10:30 - 12:45, 14:00 - 18:30',
      '+221 77 123 45 67',
      '+62 812 3456 7890',
      '0812-3456-7890',
      '+33 6 12 34 56 78',
      '06.12.34.56.78',
      '(+221) 33.821.45.67',
      '3 x 1 250 = 3 750 FCFA',
      'Rp 1.250.000,00',
      'FAC-2026-12-000451',
      'Facture n° 2026/000123 du 05/12/2026',
      'Réf. 0012 3456 7890 1234',
      "l'été à Paris, ça coûte 12 €",
      'Café, thé, crème brûlée',
      ...BARCODES,
      '6001234567906',
      '6001234000068',
      `Ajouté : ${BARCODES.join(', ')}`,
    ]) {
      expect(classifyCardData(text), text).toBe('none');
      expect(startsCardData(text), text).toBe(false);
    }
  });

  it('finds whole, partial and garbled tracks, with or without sentinels', () => {
    for (const track of [
      '%B4111111111111111^DOE/JOHN^2812101000000000?;4111111111111111=28121010000000000?',
      '%B4111111111111111^DOE/JOHN^2812101000000000?',
      ';4111111111111111=28121010000000000?',
      'B4111111111111111^DOE/JOHN^2812101',
      '4111111111111111=2812101',
      '%B4111111',
      ';411111111111',
      '%B4111111X11111111^DOE/JOHN^2812101?',
      '^DOE/JOHN^2812101000',
      ';41111111111=2812?',
      // Masked by the reader, `*` as `0` (red-team pass 7): still card data.
      ';4111********1111=28121010000000000?',
      ';4111********1111=',
      ';4111000000001111=2812?',
      '4111********1111=2812101',
      '%B4111********1111^DOE/JOHN^2812101?',
    ]) {
      expect(holdsCardData(track), track).toBe(true);
      expect(startsCardData(track), track).toBe(true);
    }
  });

  it('leaves product codes, payment QR texts and short numbers alone', () => {
    for (const code of [
      ...BARCODES,
      'OUTPOST1:abc.def',
      'rice-1kg',
      '2026-12-04 19:40',
      '12345678901234567890123',
    ]) {
      expect(classifyCardData(code), code).toBe('none');
      expect(startsCardData(code), code).toBe(false);
    }
  });

  it('does not take a UUID whose last group is a Luhn-valid number for a card', () => {
    // 426614174008 alone, and 456426614174007 with the group before it, are Luhn-valid.
    for (const tail of ['426614174008', '426614174007']) {
      expect(classifyCardData(`Sale 123e4567-e89b-12d3-a456-${tail} not found`)).toBe('none');
      expect(classifyCardData(`Sale 456-${tail} not found`)).not.toBe('none');
    }
  });

  it('calls a Luhn-valid 12–14 digit GTIN ambiguous only when it is the whole text', () => {
    // GS1's own example EAN-13 is Luhn-valid by chance: it sells only when the catalog knows it.
    expect(classifyCardData('5901234123457')).toBe('ambiguous');
    expect(classifyCardData(' 5901234123457 ')).toBe('ambiguous');
    expect(classifyCardData('item 5901234123457')).toBe('card-data');
  });

  it('tells a track from text being typed as soon as its first digit arrives', () => {
    expect(startsCardData('%B4')).toBe(true);
    expect(startsCardData(';5')).toBe(true);
    expect(startsCardData('411111111111111')).toBe(true);
    // An EAN-13 being typed goes through a Luhn-valid-looking prefix and must not be cut off.
    expect(startsCardData('590123412345')).toBe(false);
    expect(startsCardData('%')).toBe(false);
  });

  it('masks card data in a line and keeps the rest', () => {
    const line = 'scan discarded: %B4111111111111111^DOE/JOHN^2812?';
    const out = redactCardData(line);
    expect(out).not.toMatch(/\d/);
    expect(out).not.toContain('DOE');
    expect(out).toContain('scan discarded');
    expect(redactCardData('printed sale 42')).toBe('printed sale 42');
  });
});
