import { describe, expect, it } from 'vitest';
import { checkSale, type SaleIssueCode } from './check-sale';
import { cashSale } from './fixtures.test-helpers';
import type { Sale } from './sale';

function codes(input: unknown): SaleIssueCode[] {
  const r = checkSale(input);
  return r.ok ? [] : r.issues.map((i) => i.code);
}

describe('checkSale', () => {
  it('accepts a consistent cash sale, a card sale, a split tender and a refund', () => {
    expect(checkSale(cashSale())).toMatchObject({ ok: true });
    expect(
      codes(
        cashSale({
          tenders: [
            { type: 'card', amount_minor: 990, card: { brand: 'VISA', last4: '4242', token: 'tok_abc' } },
          ],
        }),
      ),
    ).toEqual([]);
    expect(
      codes(
        cashSale({
          tenders: [
            { type: 'qr', amount_minor: 490, qr: { payer_ref: 'wave:ab12', signature: 'c2ln' } },
            { type: 'cash', amount_minor: 1000, change_minor: 500 },
          ],
        }),
      ),
    ).toEqual([]);
    const original = cashSale();
    expect(
      codes(
        cashSale({
          kind: 'refund',
          original_sale_id: original.sale_id,
          tenders: [{ type: 'cash', amount_minor: 990 }],
        }),
      ),
    ).toEqual([]);
  });

  it('reports wrong line totals, sale totals and discounts with their paths', () => {
    const r = checkSale(
      cashSale({
        lines: [
          {
            sku: 'A',
            name: 'a',
            qty: 3,
            unit_price_minor: 100,
            discount_minor: 0,
            tax_minor: 0,
            total_minor: 301,
          },
          {
            sku: 'B',
            name: 'b',
            qty: 1,
            unit_price_minor: 100,
            discount_minor: 150,
            tax_minor: 60,
            total_minor: 10,
          },
        ],
        total_minor: 311,
        tenders: [{ type: 'cash', amount_minor: 311 }],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'LINE_TOTAL_MISMATCH', path: ['lines', 0, 'total_minor'] }),
      expect.objectContaining({ code: 'LINE_DISCOUNT_EXCEEDS_PRICE', path: ['lines', 1, 'discount_minor'] }),
    ]);
    expect(codes(cashSale({ total_minor: 991, tenders: [{ type: 'cash', amount_minor: 991 }] }))).toEqual([
      'SALE_TOTAL_MISMATCH',
    ]);
  });

  it('checks tenders: short, overpaid without change, change beyond cash, card overpaying', () => {
    expect(codes(cashSale({ tenders: [{ type: 'cash', amount_minor: 900 }] }))).toEqual(['TENDER_SHORT']);
    expect(codes(cashSale({ tenders: [{ type: 'cash', amount_minor: 1000 }] }))).toEqual(['TENDER_OVERPAID']);
    expect(codes(cashSale({ tenders: [{ type: 'cash', amount_minor: 1000, change_minor: 20 }] }))).toEqual([
      'TENDER_SHORT',
    ]);
    expect(
      codes(
        cashSale({
          tenders: [
            { type: 'card', amount_minor: 1000, card: { brand: 'VISA', last4: '4242', token: 't' } },
            { type: 'cash', amount_minor: 0, change_minor: 10 },
          ],
        }),
      ),
    ).toEqual(['CHANGE_EXCEEDS_CASH', 'NON_CASH_OVERPAYS']);
    expect(codes(cashSale({ tenders: [{ type: 'cash', amount_minor: 1000, change_minor: -10 }] }))).toEqual([
      'SCHEMA',
    ]);
  });

  it('refuses card numbers anywhere but barcodes and ids', () => {
    const pan = '4111111111111111';
    expect(
      codes(
        cashSale({
          tenders: [{ type: 'card', amount_minor: 990, card: { brand: 'VISA', last4: '1111', token: pan } }],
        }),
      ),
    ).toEqual(['CARD_NUMBER_PRESENT']);
    const line = cashSale().lines[0]!;
    expect(codes(cashSale({ lines: [{ ...line, name: `paid with ${pan}` }] }))).toEqual([
      'CARD_NUMBER_PRESENT',
    ]);
    // The shared rule (protocol/card-data.ts): grouped numbers, 13-digit cards and tracks too.
    for (const reason of [
      'card 4111 1111 1111 1111 declined',
      'card 4111-1111-1111-1111 declined',
      'card 4222222222222 declined',
      '%B4111111111111111^DOE/JOHN^2812101000000000?',
      ';4111111111111111=28121010000000000?',
      'swiped ^DOE/JOHN^2812101',
    ])
      expect(codes(cashSale({ override: { manager_id: 'm1', reason } })), reason).toEqual([
        'CARD_NUMBER_PRESENT',
      ]);
    // Digits other than ASCII are digits after NFKC: full-width, mathematical, a full-width track.
    for (const reason of [
      'card ４１１１ １１１１ １１１１ １１１１ declined',
      'card 𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏',
      '％Ｂ４１１１１１１１１１１１１１１１＾ＤＯＥ／ＪＯＨＮ＾２８１２１０１',
      // Digits NFKC leaves as they are (Arabic-Indic, Devanagari): the rule reads their values.
      'card ٤١١١١١١١١١١١١١١١ declined',
      'card ४१११ ११११ ११११ ११११',
      'card 4111 ١١١١ ١١١١ ١١١١',
    ])
      expect(codes(cashSale({ override: { manager_id: 'm1', reason } })), reason).toEqual([
        'CARD_NUMBER_PRESENT',
      ]);
    // Typed through an AZERTY layout (the rule reads them back), and a masked number before `=`.
    for (const reason of ["'&&&&&&&&&&&&&&&", "m'&&&&&&&&&&&&&&&=", '4111****1111='])
      expect(codes(cashSale({ override: { manager_id: 'm1', reason } })), reason).toEqual([
        'CARD_NUMBER_PRESENT',
      ]);
    // A card token of 12+ digits in a row is refused whatever Luhn says, as the terminal does.
    const token = (t: string) =>
      codes(
        cashSale({
          tenders: [{ type: 'card', amount_minor: 990, card: { brand: 'VISA', last4: '1111', token: t } }],
        }),
      );
    expect(token('tok_411111111112')).toEqual(['CARD_NUMBER_PRESENT']);
    expect(token('tok_41111111111')).toEqual([]);
    // Not a card number: too short, or a long number that fails Luhn.
    for (const reason of ['card 41111111111 declined', 'order 411111111112 declined'])
      expect(codes(cashSale({ override: { manager_id: 'm1', reason } })), reason).toEqual([]);
    // Each hit names where it is, and two hits are two issues with their own paths.
    const twice = checkSale(
      cashSale({
        lines: [{ ...line, name: `paid with ${pan}` }],
        override: { manager_id: 'm1', reason: `card ${pan}` },
      }),
    );
    expect(twice.ok ? [] : twice.issues.map((i) => i.path)).toEqual([
      ['lines', 0, 'name'],
      ['override', 'reason'],
    ]);
    // EAN-13 barcodes are SKUs, not card numbers, also when a name quotes one; a card number is not a SKU.
    expect(codes(cashSale({ lines: [{ ...line, sku: '4006381333931' }] }))).toEqual([]);
    expect(codes(cashSale({ lines: [{ ...line, sku: '5901234123457' }] }))).toEqual([]);
    expect(codes(cashSale({ lines: [{ ...line, name: 'Stabilo pen 4006381333931' }] }))).toEqual([]);
    expect(codes(cashSale({ lines: [{ ...line, name: 'Coca-Cola 1.5L x 12' }] }))).toEqual([]);
    expect(codes(cashSale({ lines: [{ ...line, sku: pan }] }))).toEqual(['CARD_NUMBER_PRESENT']);
    // Identifiers and timestamps are not free text: a device id whose digits join into a
    // Luhn-valid run is not card data.
    expect(codes(cashSale({ device_id: 'POS-123456-7-12345673' }))).toEqual([]);
    // The message says what was found, never the text.
    const hit = checkSale(cashSale({ lines: [{ ...line, name: '4111 1111 1111 1111' }] }));
    expect(JSON.stringify(hit)).not.toMatch(/4111|1111/);
  });

  it('enforces the shape rules', () => {
    const base = cashSale();
    const cases: Array<[string, unknown]> = [
      ['refund without original', { ...base, kind: 'refund' }],
      ['void without original', { ...base, kind: 'void' }],
      ['sale with original', { ...base, original_sale_id: cashSale().sale_id }],
      ['self reference', { ...base, kind: 'void', original_sale_id: base.sale_id }],
      ['unknown currency', { ...base, currency: 'XXY' }],
      ['lowercase currency', { ...base, currency: 'xof' }],
      // PostgreSQL folds a uuid's case: an upper-case id would be echoed one way and listed another.
      ['upper-case sale id', { ...base, sale_id: base.sale_id.toUpperCase() }],
      ['non-UTC time', { ...base, created_at: '2025-01-15T12:00:00+01:00' }],
      ['seq 0', { ...base, seq: 0 }],
      ['fractional amount', { ...base, total_minor: 990.5 }],
      ['negative line', { ...base, lines: [{ ...base.lines[0]!, tax_minor: -1 }] }],
      ['zero qty', { ...base, lines: [{ ...base.lines[0]!, qty: 0 }] }],
      ['no lines', { ...base, lines: [] }],
      ['no tenders', { ...base, tenders: [] }],
      [
        'change on a card',
        {
          ...base,
          tenders: [
            {
              type: 'card',
              amount_minor: 990,
              change_minor: 0,
              card: { brand: 'V', last4: '1234', token: 't' },
            },
          ],
        },
      ],
      ['card without details', { ...base, tenders: [{ type: 'card', amount_minor: 990 }] }],
      [
        'qr details on cash',
        { ...base, tenders: [{ type: 'cash', amount_minor: 990, qr: { payer_ref: 'x' } }] },
      ],
      [
        'bad last4',
        {
          ...base,
          tenders: [{ type: 'card', amount_minor: 990, card: { brand: 'V', last4: '12345', token: 't' } }],
        },
      ],
      ['unknown field', { ...base, extra: 1 }],
      ['bad prev_hash', { ...base, prev_hash: 'A'.repeat(42) }],
      ['not a uuid', { ...base, sale_id: 'sale-1' }],
    ];
    for (const [label, input] of cases) expect(codes(input), label).toContain('SCHEMA');
  });

  it('reports amounts whose product leaves the safe integer range', () => {
    const line = {
      sku: 'A',
      name: 'a',
      qty: 1_000_000,
      unit_price_minor: 2 ** 52,
      discount_minor: 0,
      tax_minor: 0,
      total_minor: 0,
    };
    expect(codes(cashSale({ lines: [line] }))).toContain('AMOUNT_OVERFLOW');
  });

  it('accepts a void carrying the original lines', () => {
    const original: Sale = cashSale();
    expect(
      checkSale({
        ...cashSale(),
        kind: 'void',
        original_sale_id: original.sale_id,
        tenders: [{ type: 'cash', amount_minor: 990 }],
      }).ok,
    ).toBe(true);
  });
});
