import { ApiError } from '../../../protocol/api';
import { cashVerdict, drawerAmountAbsurd } from '../../../protocol/cash-limits';
import type { Policy } from '../../../protocol/http/policies';
import type { TenderInputValue } from './totals';

/**
 * The till's side of protocol/cash-limits.ts (issue #18): cash beyond both 10 × what it must cover
 * and the policy's maximum is refused (CASH_ABSURD); change above the approval threshold is
 * recorded only once the cashier confirmed the amount (CASH_CONFIRM, then `cashConfirmed`).
 */
export function checkCashTender(
  policy: Policy,
  totalMinor: number,
  tenders: readonly TenderInputValue[],
  confirmed: boolean,
): void {
  const cash = tenders.find((t) => t.type === 'cash');
  if (!cash) return;
  const other = tenders.reduce((sum, t) => (t.type === 'cash' ? sum : sum + t.amountMinor), 0);
  const verdict = cashVerdict({
    cashMinor: cash.amountMinor,
    dueMinor: totalMinor - other,
    maxMinor: policy.max_offline_amount,
    confirmAboveMinor: policy.approval_threshold,
  });
  if (verdict === 'absurd')
    throw new ApiError(
      'CASH_ABSURD',
      'That cash amount cannot be right: type what the customer handed over.',
      {
        cashMinor: cash.amountMinor,
        dueMinor: totalMinor - other,
      },
    );
  if (verdict === 'confirm' && !confirmed)
    throw new ApiError('CASH_CONFIRM', 'The change is large: confirm the cash amount.', {
      cashMinor: cash.amountMinor,
      changeMinor: cash.amountMinor - (totalMinor - other),
    });
}

/** An opening float, paid-in or paid-out: refused beyond the policy's max_unsynced_amount. */
export function checkDrawerAmount(policy: Policy | null, amountMinor: number): void {
  if (policy && drawerAmountAbsurd(amountMinor, policy.max_unsynced_amount))
    throw new ApiError('CASH_ABSURD', 'That cash amount cannot be right: type the amount counted.', {
      amountMinor,
      maxMinor: policy.max_unsynced_amount,
    });
}
