import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../../protocol/http/policies';
import type { EnrollmentRecord } from '../device/enrollment';
import { catalogChanges, enrollmentAfterPull, pullQuery } from './pull';

describe('a pull page', () => {
  it('asks from the cursor, at the page size, with the nonce, for the back office’s catalog and roster (#19)', () => {
    expect(pullQuery('c1', 50, 'n1').toString()).toBe(
      'since=c1&limit=50&request_nonce=n1&catalog=2&roster=1',
    );
    expect(pullQuery(null, undefined, 'n1').toString()).toBe('request_nonce=n1&catalog=2&roster=1');
  });

  it('keeps the signed policy and the clock offset, and the record’s policy when none is signed', () => {
    const old = { max_bundle_age_hours: 1 } as Policy;
    const signed = { max_bundle_age_hours: 24 } as Policy;
    const record = { policy: old, serverClockOffsetMs: 0 } as unknown as EnrollmentRecord;
    const at = Date.parse('2025-01-15T12:00:00.000Z');
    expect(
      enrollmentAfterPull(record, { policy: signed, serverTime: '2025-01-15T12:00:05.000Z' }, at),
    ).toEqual({
      policy: signed,
      serverClockOffsetMs: 5000,
    });
    expect(enrollmentAfterPull(record, { policy: null, serverTime: '2025-01-15T11:59:58.000Z' }, at)).toEqual(
      {
        policy: old,
        serverClockOffsetMs: -2000,
      },
    );
  });

  it('upserts active items (no barcode as empty) and removes inactive ones', () => {
    const item = {
      sku: 'rice',
      barcode: null,
      name: 'Riz',
      price_minor: 1000,
      currency: 'XOF',
      tax_rate_bp: 1800,
      active: true,
    };
    expect(catalogChanges([item, { ...item, sku: 'old', barcode: '12345678', active: false }], 3)).toEqual({
      upserts: [
        {
          sku: 'rice',
          barcode: '',
          name: 'Riz',
          priceMinor: 1000,
          currency: 'XOF',
          taxRate: 1800,
          updatedAt: 3,
        },
      ],
      removals: ['old'],
    });
  });
});
