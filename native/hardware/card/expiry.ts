import { failure, type SwipeFailure } from './types';

/** A card is valid through the last day of its expiry month (ISO/IEC 7813 YYMM, years 20YY). */
export function checkExpiry(yymm: string, now: Date): string | SwipeFailure {
  const year = 2000 + Number(yymm.slice(0, 2));
  const month = Number(yymm.slice(2, 4));
  if (month < 1 || month > 12) return failure('BAD_EXPIRY', 'the expiry month is not 01–12');
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (year * 12 + (month - 1) < current) return failure('CARD_EXPIRED', 'the card has expired');
  return `${year}-${String(month).padStart(2, '0')}`;
}
