import { describe, expect, it } from 'vitest';
import { cashSale } from '../../../protocol/bundle/fixtures.test-helpers';
import type { Sale, Tender } from '../../../protocol/bundle/sale';
import { ApiError } from '../../../protocol/api';
import { requireManagerForCashBack } from './refund-tender';

/** A sale of 1 000 paid with these tenders (the rule reads tenders only). */
const paidWith = (tenders: Tender[], kind: Sale['kind'] = 'sale'): Sale =>
  cashSale({ kind, tenders, total_minor: 1000 });
const cash = (amount_minor: number, change_minor = 0): Tender => ({
  type: 'cash',
  amount_minor,
  change_minor,
});
const qr: Tender = { type: 'qr', amount_minor: 1000, qr: { payer_ref: 'wave:1' } };
const card: Tender = { type: 'card', amount_minor: 1000, card: { brand: 'visa', last4: '4242', token: 't' } };

const codeOf = (run: () => void): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
};

describe('a refund in cash needs a manager beyond the cash the sale took', () => {
  it('a QR sale refunded in cash: REFUND_NEEDS_MANAGER, overridable; with an override it goes', () => {
    expect(codeOf(() => requireManagerForCashBack(paidWith([qr]), [], [cash(1000)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
    expect(codeOf(() => requireManagerForCashBack(paidWith([qr]), [], [cash(1)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
    expect(codeOf(() => requireManagerForCashBack(paidWith([qr]), [], [cash(1000)], true))).toBeNull();
  });

  it('a card sale refunded in cash needs one; refunded to the card it does not', () => {
    expect(codeOf(() => requireManagerForCashBack(paidWith([card]), [], [cash(1000)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
    expect(codeOf(() => requireManagerForCashBack(paidWith([card]), [], [card], false))).toBeNull();
  });

  it('a cash sale: up to the cash kept (net of change), less what earlier refunds gave back', () => {
    const original = paidWith([cash(5000, 4000)]); // 1 000 kept
    expect(codeOf(() => requireManagerForCashBack(original, [], [cash(1000)], false))).toBeNull();
    expect(codeOf(() => requireManagerForCashBack(original, [], [cash(1001)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
    const earlier = [paidWith([cash(600)], 'refund')];
    expect(codeOf(() => requireManagerForCashBack(original, earlier, [cash(400)], false))).toBeNull();
    expect(codeOf(() => requireManagerForCashBack(original, earlier, [cash(401)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
  });

  it('a sale paid half by QR, half in cash: the cash half back freely, not the whole', () => {
    const mixed = paidWith([{ ...qr, amount_minor: 500 }, cash(500)]);
    expect(codeOf(() => requireManagerForCashBack(mixed, [], [cash(500)], false))).toBeNull();
    expect(codeOf(() => requireManagerForCashBack(mixed, [], [cash(1000)], false))).toBe(
      'REFUND_NEEDS_MANAGER',
    );
  });
});
