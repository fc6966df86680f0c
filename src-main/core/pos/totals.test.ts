import { describe, expect, it } from 'vitest';
import { checkSale } from '../../../protocol/bundle/check-sale';
import { GENESIS_HASH } from '../../../protocol/bundle/constants';
import { computeLine, divRoundHalfUp, lineTax, settleTenders, sumTotals } from './totals';
import { zReport } from './zreport';

const line = (over: Partial<Parameters<typeof computeLine>[0]> = {}) => ({
  sku: 'rice-1kg',
  name: 'Riz 1kg',
  qty: 1,
  unitPriceMinor: 1000,
  discountMinor: 0,
  taxRateBp: 1800,
  ...over,
});

describe('line arithmetic', () => {
  it('rounds tax half up per line, on the discounted amount', () => {
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    // 25 × 18 % = 4.5 → 5; 24 × 18 % = 4.32 → 4; 2.5 % of 100 = 2.5 → 3
    expect(lineTax(25, 1800)).toBe(5);
    expect(lineTax(24, 1800)).toBe(4);
    expect(lineTax(100, 250)).toBe(3);
    expect(computeLine(line({ qty: 3, unitPriceMinor: 1250, discountMinor: 250 }))).toEqual({
      sku: 'rice-1kg',
      name: 'Riz 1kg',
      qty: 3,
      unit_price_minor: 1250,
      discount_minor: 250,
      tax_minor: 630, // (3750 − 250) × 0.18 = 630
      total_minor: 4130,
    });
  });

  it('refuses a discount above the line price and amounts beyond 2^53', () => {
    expect(() => computeLine(line({ discountMinor: 1001 }))).toThrow(
      expect.objectContaining({ code: 'DISCOUNT_TOO_LARGE' }),
    );
    expect(() => computeLine(line({ qty: 1_000_000, unitPriceMinor: Number.MAX_SAFE_INTEGER }))).toThrow(
      expect.objectContaining({ code: 'AMOUNT_TOO_LARGE' }),
    );
  });

  it('keeps exact integers where floats would drift', () => {
    // 0.1 + 0.2 style: 3 lines of 1 cent at 5 % each round to 0; together they would be 0.15 → 0.
    const lines = [1, 1, 1].map((p) => computeLine(line({ unitPriceMinor: p, taxRateBp: 500 })));
    expect(lines.map((l) => l.tax_minor)).toEqual([0, 0, 0]);
    expect(sumTotals(lines)).toBe(3);
  });
});

describe('tenders and change', () => {
  it('gives change from cash only', () => {
    expect(settleTenders(1180, [{ type: 'cash', amountMinor: 2000 }])).toEqual({
      tenders: [{ type: 'cash', amount_minor: 2000, change_minor: 820 }],
      changeMinor: 820,
    });
    const split = settleTenders(1180, [
      {
        type: 'card',
        amountMinor: 1000,
        approvalCode: 'A1B2C3',
        brand: 'VISA',
        last4: '4242',
        token: 'tok_1',
      },
      { type: 'cash', amountMinor: 500 },
    ]);
    expect(split.changeMinor).toBe(320);
    expect(split.tenders[0]).toEqual({
      type: 'card',
      amount_minor: 1000,
      card: { approval_code: 'A1B2C3', brand: 'VISA', last4: '4242', token: 'tok_1' },
    });
    // Typed from the external terminal's slip with no reader: the approval code alone.
    expect(
      settleTenders(1000, [{ type: 'card', amountMinor: 1000, approvalCode: '004217' }]).tenders,
    ).toEqual([{ type: 'card', amount_minor: 1000, card: { approval_code: '004217' } }]);
  });

  it('refuses short payment, card overpayment and two cash tenders', () => {
    expect(() => settleTenders(1180, [{ type: 'cash', amountMinor: 1000 }])).toThrow(
      expect.objectContaining({ code: 'TENDER_SHORT' }),
    );
    expect(() =>
      settleTenders(1180, [{ type: 'qr', amountMinor: 1200, payerRef: 'p-1', signature: 'c2ln' }]),
    ).toThrow(expect.objectContaining({ code: 'TENDER_OVERPAID' }));
    expect(() =>
      settleTenders(100, [
        { type: 'cash', amountMinor: 50 },
        { type: 'cash', amountMinor: 50 },
      ]),
    ).toThrow(expect.objectContaining({ code: 'TENDER_INVALID' }));
  });

  it('produces sales that protocol checkSale accepts', () => {
    const lines = [
      computeLine(line({ qty: 2 })),
      computeLine(line({ sku: 'oil', name: 'Huile', unitPriceMinor: 999, discountMinor: 99 })),
    ];
    const total = sumTotals(lines);
    const { tenders } = settleTenders(total, [{ type: 'cash', amountMinor: 10_000 }]);
    const check = checkSale({
      sale_id: '6f1c7f1e-8d0b-4a57-9d62-0e4a9c0d9a11',
      device_id: 'OP-TEST',
      seq: 1,
      prev_hash: GENESIS_HASH,
      kind: 'sale',
      created_at: '2025-01-15T12:00:00.000Z',
      online: false,
      currency: 'XOF',
      lines,
      tenders,
      total_minor: total,
    });
    expect(check.issues).toEqual([]);
  });
});

describe('Z-report', () => {
  it('counts sales, refunds and voids per tender and compares cash', () => {
    const base = {
      device_id: 'd',
      prev_hash: GENESIS_HASH,
      created_at: '2025-01-15T12:00:00.000Z',
      online: false,
      currency: 'XOF',
    };
    const l = (total: number, tax: number) => ({
      sku: 's',
      name: 'n',
      qty: 1,
      unit_price_minor: total - tax,
      discount_minor: 0,
      tax_minor: tax,
      total_minor: total,
    });
    const report = zReport(
      { shiftId: '6f1c7f1e-8d0b-4a57-9d62-0e4a9c0d9a11', openedAt: 0, currency: 'XOF', floatMinor: 5000 },
      [
        {
          ...base,
          sale_id: 'a',
          seq: 1,
          kind: 'sale',
          lines: [l(1180, 180)],
          total_minor: 1180,
          tenders: [{ type: 'cash', amount_minor: 2000, change_minor: 820 }],
        },
        {
          ...base,
          sale_id: 'b',
          seq: 2,
          kind: 'sale',
          lines: [l(590, 90)],
          total_minor: 590,
          tenders: [{ type: 'card', amount_minor: 590, card: { brand: 'V', last4: '1111', token: 't' } }],
        },
        {
          ...base,
          sale_id: 'c',
          seq: 3,
          kind: 'refund',
          original_sale_id: 'a',
          lines: [l(1180, 180)],
          total_minor: 1180,
          tenders: [{ type: 'cash', amount_minor: 1180, change_minor: 0 }],
        },
      ],
      4900,
      1000,
    );
    expect(report).toMatchObject({
      sales: { count: 2, totalMinor: 1770 },
      refunds: { count: 1, totalMinor: 1180 },
      voids: { count: 0, totalMinor: 0 },
      netMinor: 590,
      netTaxMinor: 90,
      expectedCashMinor: 5000,
      countedCashMinor: 4900,
      differenceMinor: -100,
    });
    expect(report.tenders).toEqual([
      { type: 'cash', count: 2, inMinor: 1180, outMinor: 1180 },
      { type: 'card', count: 1, inMinor: 590, outMinor: 0 },
    ]);
  });
});
