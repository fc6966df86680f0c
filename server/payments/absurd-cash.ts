import { CASH_TOTAL_MULTIPLE } from '../../protocol/cash-limits';
import type { Policy } from '../../protocol/http';

/**
 * Cash beyond both CASH_TOTAL_MULTIPLE × what it had to cover and the policy's maximum is a typing
 * accident (a barcode in the cash field, issue #18), not money. It was a 422 TENDER_ABSURD refusing
 * the whole bundle, which a till takes as final: an admin lowering max_offline_amount then turned an
 * honest sale the till had accepted into a refusal of every sale beside it and a till whose sync was
 * blocked for good (red-team pass 7, M-c). Now it is a score reason (INVALID_SALE, quarantine) naming
 * the sale: the bundle is stored, held for a person, never posted unseen, and the till syncs on.
 *
 * Judged against the policy the server holds now: a sale carries no policy version and the server
 * keeps no history of policies, so the one the sale was recorded under cannot be known. A sale
 * honest under a higher maximum is therefore held for review, not lost.
 */
export function absurdCash(
  facts: { cashBeyondMultiple: readonly { sale_id: string; cash_minor: number; due_minor: number }[] },
  policy: Pick<Policy, 'max_offline_amount'> | null,
): string | null {
  if (!policy) return null;
  const absurd = facts.cashBeyondMultiple.filter((c) => c.cash_minor > policy.max_offline_amount);
  if (absurd.length === 0) return null;
  const shown = absurd
    .slice(0, 3)
    .map((c) => `sale ${c.sale_id} took ${c.cash_minor} in cash for ${c.due_minor} due`)
    .join('; ');
  const more = absurd.length > 3 ? `; and ${absurd.length - 3} more` : '';
  return `TENDER_ABSURD: cash beyond ${CASH_TOTAL_MULTIPLE} × the amount due and the policy's maximum (${policy.max_offline_amount}): ${shown}${more}`;
}
