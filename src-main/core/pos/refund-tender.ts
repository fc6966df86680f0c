import { ApiError } from '../../../protocol/api';
import type { Sale, Tender } from '../../../protocol/bundle/sale';

/** Cash a sale's tenders leave in the drawer: cash taken net of change. */
const cashIn = (tenders: readonly Tender[]) =>
  tenders.reduce((sum, t) => sum + (t.type === 'cash' ? t.amount_minor - (t.change_minor ?? 0) : 0), 0);

/**
 * The tender check of a refund (issue #16, M1 of the sixth review): cash may go back without a
 * manager only up to the cash the original sale left in the drawer, less what earlier refunds of it
 * gave back in cash. Beyond that (a sale paid by QR or card, refunded in cash) money would leave the
 * drawer that never came into it, so the refund needs a manager's override:
 * REFUND_NEEDS_MANAGER, overridable. The override itself is then checked like any other.
 */
export function requireManagerForCashBack(
  original: Sale,
  earlier: readonly Sale[],
  back: readonly Tender[],
  hasOverride: boolean,
): void {
  if (hasOverride) return;
  const cashBack = cashIn(back);
  if (cashBack === 0) return;
  const cashLeft = cashIn(original.tenders) - earlier.reduce((sum, s) => sum + cashIn(s.tenders), 0);
  if (cashBack > cashLeft)
    throw new ApiError(
      'REFUND_NEEDS_MANAGER',
      'This sale was not paid in cash: giving it back in cash needs a manager’s approval.',
      { overridable: true, cashBackMinor: cashBack, cashPaidMinor: Math.max(0, cashLeft) },
    );
}
