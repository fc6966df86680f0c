import { describe, expect, it } from 'vitest';
import { cashSale } from '../../../protocol/bundle/fixtures.test-helpers';
import type { Sale, SaleLine } from '../../../protocol/bundle/sale';
import { apportionRefund, linesLeft, voidTenders } from './refund';
import { computeLine, sumTotals } from './totals';

const line = (sku: string, qty: number, unitPriceMinor: number, discountMinor: number, taxRateBp: number) =>
  computeLine({ sku, name: sku, qty, unitPriceMinor, discountMinor, taxRateBp });

function sale(lines: SaleLine[], kind: Sale['kind'] = 'sale', seq = 1): Sale {
  const total_minor = sumTotals(lines);
  return cashSale({
    sale_id: `s${seq}`,
    seq,
    kind,
    lines,
    tenders: [{ type: 'cash', amount_minor: total_minor }],
    total_minor,
  });
}

const sum = (lines: SaleLine[], key: 'discount_minor' | 'tax_minor' | 'total_minor' | 'qty') =>
  lines.reduce((s, l) => s + l[key], 0);

describe('refund apportioning', () => {
  // 3 × 1000 less 100, 18 %: net 2900, tax 522.
  const original = sale([line('rice', 3, 1000, 100, 1800)]);

  it('gives each unit its rounded share, and the last unit what is left: parts add up to the line', () => {
    const later: Sale[] = [];
    const parts: SaleLine[] = [];
    for (let i = 0; i < 3; i++) {
      const { lines, rates } = apportionRefund(original, [1800], later, [{ sku: 'rice', qty: 1 }]);
      expect(rates).toEqual([1800]);
      parts.push(...lines);
      later.push(sale(lines, 'refund', i + 2));
    }
    // 100 / 3 → 33, 33, then the rest 34; tax of 967 at 18 % → 174 each, the last 522 − 348.
    expect(parts.map((l) => l.discount_minor)).toEqual([33, 33, 34]);
    expect(parts.map((l) => l.tax_minor)).toEqual([174, 174, 174]);
    expect(sum(parts, 'discount_minor')).toBe(original.lines[0]!.discount_minor);
    expect(sum(parts, 'tax_minor')).toBe(original.lines[0]!.tax_minor);
    expect(sum(parts, 'total_minor')).toBe(original.total_minor);
    expect(linesLeft(original, later)).toEqual([{ qty: 0, discount: 0, tax: 0 }]);
    expect(() => apportionRefund(original, [1800], later)).toThrow(
      expect.objectContaining({ code: 'REFUND_TOO_LARGE' }),
    );
  });

  it('refunds all that is left when no lines are named', () => {
    const first = apportionRefund(original, [1800], [], [{ sku: 'rice', qty: 2 }]);
    const rest = apportionRefund(original, [1800], [sale(first.lines, 'refund', 2)]);
    expect(rest.lines).toHaveLength(1);
    expect(rest.lines[0]).toMatchObject({ sku: 'rice', qty: 1 });
    expect(sum([...first.lines, ...rest.lines], 'total_minor')).toBe(original.total_minor);
  });

  it('spreads one SKU over the lines that hold it, each at its own rate', () => {
    const two = sale([line('oil', 1, 500, 0, 1800), line('tea', 1, 300, 0, 0), line('oil', 2, 450, 0, 1000)]);
    const { lines, rates } = apportionRefund(two, [1800, 0, 1000], [], [{ sku: 'oil', qty: 2 }]);
    expect(lines.map((l) => [l.sku, l.qty, l.unit_price_minor])).toEqual([
      ['oil', 1, 500],
      ['oil', 1, 450],
    ]);
    expect(rates).toEqual([1800, 1000]);
  });

  it('refuses more of a SKU than is left, naming it', () => {
    expect(() => apportionRefund(original, [1800], [], [{ sku: 'rice', qty: 4 }])).toThrow(
      expect.objectContaining({ code: 'REFUND_TOO_LARGE', details: { sku: 'rice' } }),
    );
    expect(() => apportionRefund(original, [1800], [], [{ sku: 'salt', qty: 1 }])).toThrow(
      expect.objectContaining({ code: 'REFUND_TOO_LARGE', details: { sku: 'salt' } }),
    );
  });

  it('takes a missing rate as 0 %', () => {
    const { lines, rates } = apportionRefund(original, [], [], [{ sku: 'rice', qty: 1 }]);
    expect(rates).toEqual([0]);
    expect(lines[0]!.tax_minor).toBe(0);
  });
});

describe('void tenders', () => {
  it('gives cash back net of change, card and QR as charged', () => {
    const s: Sale = {
      ...sale([line('rice', 1, 1000, 0, 0)]),
      tenders: [
        { type: 'cash', amount_minor: 700, change_minor: 200 },
        { type: 'card', amount_minor: 500, card: { brand: 'visa', last4: '4242' } },
      ],
    } as Sale;
    expect(voidTenders(s)).toEqual([
      { type: 'cash', amount_minor: 500, change_minor: 0 },
      { type: 'card', amount_minor: 500, card: { brand: 'visa', last4: '4242' } },
    ]);
  });
});
