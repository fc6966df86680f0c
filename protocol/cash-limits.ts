/**
 * Sane cash amounts (issue #18). A barcode typed into "Cash tendered" once recorded
 * 6,001,234,000,068 XOF of cash with matching change, and the server took it. A customer hands over
 * more than is due (a 10,000 note for a 500 sale), so neither a multiple of the total nor the
 * policy's maximum is absurd on its own; beyond both, it is a typing accident, not money.
 *
 * The till refuses such an amount before recording (CASH_ABSURD), asks the cashier to confirm the
 * change when it is above the policy's approval threshold (CASH_CONFIRM), and the server refuses a
 * bundle holding one (422 TENDER_ABSURD): all three read this one rule.
 */

/** Cash above this many times what is due is absurd once it is also above the policy's maximum. */
export const CASH_TOTAL_MULTIPLE = 10;

export type CashVerdict = 'ok' | 'confirm' | 'absurd';

/**
 * Judges the cash handed over for `dueMinor` (what cash must cover) under the policy's maximum
 * (`max_offline_amount`) and approval threshold. Change above the threshold asks for a confirmation;
 * cash beyond both CASH_TOTAL_MULTIPLE × due and the maximum is refused.
 */
export function cashVerdict(input: {
  cashMinor: number;
  dueMinor: number;
  maxMinor: number;
  confirmAboveMinor?: number;
}): CashVerdict {
  const cash = BigInt(input.cashMinor);
  const due = BigInt(Math.max(0, input.dueMinor));
  if (cash > due * BigInt(CASH_TOTAL_MULTIPLE) && cash > BigInt(input.maxMinor)) return 'absurd';
  if (input.confirmAboveMinor !== undefined && cash - due > BigInt(input.confirmAboveMinor)) return 'confirm';
  return 'ok';
}

/**
 * Cash moved in or out of the drawer without a sale (opening float, paid-in, paid-out): nothing is
 * due, so the bound is the policy's `max_unsynced_amount`, the most money a till may hold unsynced.
 */
export function drawerAmountAbsurd(amountMinor: number, maxUnsyncedMinor: number): boolean {
  return amountMinor > maxUnsyncedMinor;
}

/** A sale's cash: what cash had to cover (total − card − QR) and what was handed over. */
export function saleCash(sale: {
  total_minor: number;
  tenders: readonly { type: string; amount_minor: number }[];
}): { cashMinor: number; dueMinor: number } | null {
  let cash = 0;
  let other = 0;
  let hasCash = false;
  for (const t of sale.tenders) {
    if (t.type === 'cash') {
      hasCash = true;
      cash += t.amount_minor;
    } else other += t.amount_minor;
  }
  return hasCash ? { cashMinor: cash, dueMinor: sale.total_minor - other } : null;
}
