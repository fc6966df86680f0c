import { describe, expect, it } from 'vitest';
import { cashVerdict, drawerAmountAbsurd, saleCash } from './cash-limits';

describe('cashVerdict', () => {
  const policy = { maxMinor: 20_000, confirmAboveMinor: 15_000 };

  it('refuses the reported scan typed into the cash field: beyond 10 × due and the maximum', () => {
    expect(cashVerdict({ cashMinor: 6_001_234_000_068, dueMinor: 1_180, ...policy })).toBe('absurd');
    // One bound alone is not enough: a big note for a small sale, a big sale with a little extra.
    expect(cashVerdict({ cashMinor: 10_000, dueMinor: 500, ...policy })).toBe('ok');
    expect(cashVerdict({ cashMinor: 30_000, dueMinor: 25_000, ...policy })).toBe('ok');
    expect(cashVerdict({ cashMinor: 20_001, dueMinor: 2_000, ...policy })).toBe('absurd');
    expect(cashVerdict({ cashMinor: 20_000, dueMinor: 1_000, ...policy })).toBe('confirm');
  });

  it('asks for a confirmation when the change is above the approval threshold, and only then', () => {
    expect(cashVerdict({ cashMinor: 17_000, dueMinor: 2_000, ...policy })).toBe('ok');
    expect(cashVerdict({ cashMinor: 17_001, dueMinor: 2_000, ...policy })).toBe('confirm');
    expect(cashVerdict({ cashMinor: 17_001, dueMinor: 2_000, maxMinor: 20_000 })).toBe('ok');
  });

  it('counts what cash had to cover after card and QR', () => {
    const sale = {
      total_minor: 10_000,
      tenders: [
        { type: 'card', amount_minor: 9_000 },
        { type: 'cash', amount_minor: 1_500 },
      ],
    };
    expect(saleCash(sale)).toEqual({ cashMinor: 1_500, dueMinor: 1_000 });
    expect(saleCash({ total_minor: 1, tenders: [{ type: 'qr', amount_minor: 1 }] })).toBeNull();
  });

  it('bounds drawer movements by the most a till may hold unsynced', () => {
    expect(drawerAmountAbsurd(500_000, 500_000)).toBe(false);
    expect(drawerAmountAbsurd(500_001, 500_000)).toBe(true);
  });
});
