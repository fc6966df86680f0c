import { ApiError } from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';
import type { TenderInputValue } from './totals';

type Back = Extract<TenderInputValue, { type: 'cash' | 'card' }>;
type Card = Extract<Back, { type: 'card' }>;

/** A card payment is known by its terminal's approval code (a till before #18 sent a token instead). */
const cardKey = (c: { approval_code?: string | undefined; token?: string | undefined }) =>
  c.approval_code ?? c.token ?? '';

/**
 * What is left to give back on each way the sale was paid: each card (by its approval code) what it paid less
 * what earlier refunds put back on it; cash what the drawer kept (after change) plus QR payments,
 * which pay but cannot receive, less the cash earlier refunds gave.
 */
function rooms(sale: Sale, later: readonly Sale[]): { cards: Map<string, Card>; cash: number } {
  const cards = new Map<string, Card>();
  let cash = 0;
  for (const t of sale.tenders) {
    if (t.type === 'card' && t.card) {
      const key = cardKey(t.card);
      cards.set(key, {
        type: 'card',
        amountMinor: (cards.get(key)?.amountMinor ?? 0) + t.amount_minor,
        approvalCode: t.card.approval_code ?? '',
        brand: t.card.brand,
        last4: t.card.last4,
        token: t.card.token,
      });
    } else cash += t.amount_minor - (t.change_minor ?? 0);
  }
  for (const r of later)
    for (const t of r.tenders) {
      const card = t.type === 'card' && t.card ? cards.get(cardKey(t.card)) : undefined;
      if (card) card.amountMinor -= t.amount_minor;
      else cash -= t.amount_minor - (t.change_minor ?? 0);
    }
  return { cards, cash };
}

/**
 * Money goes back the way it came (#18): each card that paid gets back up to what is left for it,
 * cards first so card money never leaves the drawer as cash, and the rest in cash.
 */
export function originalTenders(sale: Sale, later: readonly Sale[], totalMinor: number): Back[] {
  const { cards } = rooms(sale, later);
  let due = totalMinor;
  const back: Back[] = [];
  for (const card of cards.values()) {
    const amount = Math.min(due, Math.max(0, card.amountMinor));
    if (amount > 0) back.push({ ...card, amountMinor: amount });
    due -= amount;
  }
  if (due > 0 || back.length === 0) back.push({ type: 'cash', amountMinor: due });
  return back;
}

/**
 * Refund tenders a caller named: only a card that paid for this sale, never more than is left for it
 * or for cash, and exactly the refund's total (a refund gives no change). Throws
 * REFUND_TENDER_NOT_ORIGINAL or TENDER_OVERPAID.
 */
export function checkRefundTenders(
  sale: Sale,
  later: readonly Sale[],
  given: readonly Back[],
  totalMinor: number,
): void {
  const { cards, cash } = rooms(sale, later);
  for (const t of given) {
    const room =
      t.type === 'card'
        ? cards.get(cardKey({ approval_code: t.approvalCode, token: t.token }))?.amountMinor
        : cash;
    if (room === undefined || t.amountMinor > room)
      throw new ApiError(
        'REFUND_TENDER_NOT_ORIGINAL',
        t.type === 'card'
          ? 'Give a refund back to the card that paid, up to what it paid.'
          : 'Give back in cash no more than was paid in cash.',
      );
  }
  if (given.reduce((s, t) => s + t.amountMinor, 0) > totalMinor)
    throw new ApiError('TENDER_OVERPAID', 'Give back exactly the refund: a refund gives no change.');
}

/** The refund's tenders: back to the original ones when none are named, else the named ones checked. */
export function refundTenders(
  sale: Sale,
  later: readonly Sale[],
  totalMinor: number,
  given?: readonly TenderInputValue[],
): Back[] {
  if (!given) return originalTenders(sale, later, totalMinor);
  const back = given.map((t) => {
    // A customer's QR pays; it cannot receive. Money goes back as cash or to a card.
    if (t.type === 'qr')
      throw new ApiError('TENDER_INVALID', 'Give a refund back in cash or to a card, not by QR.');
    return t;
  });
  checkRefundTenders(sale, later, back, totalMinor);
  return back;
}
