import { describe, expect, it } from 'vitest';
import { cashSale } from '../../../protocol/bundle/fixtures.test-helpers';
import type { Sale } from '../../../protocol/bundle/sale';
import { canonicalJson } from '../../../protocol/crypto/canonical';
import type { Policy } from '../../../protocol/http/policies';
import type { SaleDoc } from '../store/schemas/index';
import { HOUR_MS } from './limits';
import { computeLine } from './totals';
import { catalogEntry, fold, pendingBanner, saleOf, shiftView, summarize } from './views';

/** A cart line: the summary gives it back as it was, with its tax and total. */
const riceInput = {
  sku: 'rice',
  name: 'Riz',
  qty: 2,
  unitPriceMinor: 1000,
  discountMinor: 0,
  taxRateBp: 1800,
};
const rice = computeLine(riceInput);

function doc(over: Partial<SaleDoc> = {}, sale: Partial<Sale> = {}): SaleDoc {
  const record = cashSale({
    sale_id: 's1',
    device_id: 'OP-TEST',
    lines: [rice],
    tenders: [{ type: 'cash', amount_minor: 3000, change_minor: 640 }],
    total_minor: rice.total_minor,
    ...sale,
  });
  return {
    id: record.sale_id,
    deviceId: record.device_id,
    seq: record.seq,
    prevHash: record.prev_hash,
    hash: 'h1',
    createdAt: Date.parse(record.created_at),
    currency: record.currency,
    totalMinor: record.total_minor,
    lines: [
      { sku: 'rice', name: 'Riz', qty: 2, unitPriceMinor: 1000, taxRate: 1800, totalMinor: rice.total_minor },
    ],
    tenders: [{ kind: 'cash', amountMinor: 3000 }],
    status: 'recorded',
    online: false,
    kind: record.kind,
    shiftId: 'shift-1',
    record: canonicalJson(record),
    ...over,
  };
}

describe('sale summary', () => {
  it('reads the signed record, the stored status under its API name and the line rates', () => {
    const summary = summarize(doc({ status: 'queued', statusReason: 'X' }));
    expect(summary).toMatchObject({
      saleId: 's1',
      seq: 1,
      kind: 'sale',
      originalSaleId: null,
      currency: 'XOF',
      status: 'pushed',
      statusReason: 'X',
      totalMinor: 2360,
      taxMinor: 360,
      changeMinor: 640,
      override: null,
      shiftId: 'shift-1',
      hash: 'h1',
    });
    expect(summary.lines).toEqual([{ ...riceInput, taxMinor: 360, totalMinor: 2360 }]);
    expect(summary.tenders).toEqual([
      {
        type: 'cash',
        amountMinor: 3000,
        changeMinor: 640,
        brand: null,
        last4: null,
        approvalCode: null,
        payerRef: null,
      },
    ]);
    expect(summarize(doc({ status: 'recorded' })).status).toBe('pending');
    expect(summarize(doc({}, { override: { manager_id: 'm1', reason: 'big' } })).override).toEqual({
      managerId: 'm1',
      reason: 'big',
    });
  });

  it('refuses a sale recorded before sales were signed', () => {
    const { record: _record, ...legacy } = doc();
    expect(() => saleOf(legacy)).toThrow(expect.objectContaining({ code: 'SALE_LEGACY' }));
  });
});

describe('shift and catalog views', () => {
  it('gives times as ISO text, an open shift no close time, and a missing barcode as null', () => {
    const shift = {
      id: 'sh',
      deviceId: 'd',
      state: 'open' as const,
      openedAt: 0,
      closedAt: 0,
      currency: 'XOF',
      floatMinor: 5,
    };
    expect(shiftView(shift)).toEqual({
      shiftId: 'sh',
      state: 'open',
      openedAt: '1970-01-01T00:00:00.000Z',
      closedAt: null,
      currency: 'XOF',
      floatMinor: 5,
    });
    expect(shiftView({ ...shift, state: 'closed', closedAt: HOUR_MS }).closedAt).toBe(
      '1970-01-01T01:00:00.000Z',
    );
    expect(
      catalogEntry({
        sku: 'a',
        barcode: '',
        name: 'A',
        priceMinor: 1,
        currency: 'XOF',
        taxRate: 0,
        updatedAt: 0,
      }),
    ).toEqual({
      sku: 'a',
      barcode: null,
      name: 'A',
      priceMinor: 1,
      currency: 'XOF',
      taxRateBp: 0,
      image: null,
    });
  });

  it('folds accents and case for search', () => {
    expect(fold('Éclair CAFÉ')).toBe('eclair cafe');
  });
});

describe('pending banner', () => {
  const policy = { max_bundle_age_hours: 24 } as Policy;
  const at = (createdAt: number, over: Partial<SaleDoc> = {}) => doc({ createdAt, ...over });

  it('counts every unsynced sale, totals sales per currency, and runs the age from the oldest', () => {
    const banner = pendingBanner(
      [
        at(2 * HOUR_MS, { totalMinor: 100 }),
        at(HOUR_MS, { totalMinor: 50, currency: 'EUR' }),
        at(3 * HOUR_MS, { totalMinor: 7, kind: 'refund' }),
        at(4 * HOUR_MS, { totalMinor: 30 }),
      ],
      2,
      policy,
      5 * HOUR_MS,
    );
    expect(banner).toEqual({
      count: 4,
      totals: [
        { currency: 'EUR', totalMinor: 50 },
        { currency: 'XOF', totalMinor: 130 },
      ],
      oldestCreatedAt: new Date(HOUR_MS).toISOString(),
      maxAgeHours: 24,
      deadline: new Date(25 * HOUR_MS).toISOString(),
      msLeft: 20 * HOUR_MS,
      rejected: 2,
    });
  });

  it('has no deadline without unsynced sales or without a policy', () => {
    expect(pendingBanner([], 0, policy, 0)).toMatchObject({
      count: 0,
      totals: [],
      deadline: null,
      msLeft: null,
      maxAgeHours: 24,
    });
    expect(pendingBanner([at(HOUR_MS)], 0, null, 0)).toMatchObject({
      count: 1,
      oldestCreatedAt: new Date(HOUR_MS).toISOString(),
      maxAgeHours: null,
      deadline: null,
      msLeft: null,
    });
  });
});
