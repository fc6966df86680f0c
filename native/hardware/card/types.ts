/** What the core receives from a good swipe. The full card number never leaves native/. */
export interface CardRead {
  readonly brand: CardBrand;
  readonly last4: string;
  /**
   * 'YYYY-MM', the last month in which the card is valid. Absent when an encrypting reader masks
   * it in the tracks it sends in the clear (masked tracks, `card/masked.ts`).
   */
  readonly expiry?: string;
  /** ISO/IEC 7813 service code, three digits (first digit 2 or 6: the card has a chip). Clear tracks only. */
  readonly serviceCode?: string;
  /**
   * HMAC-SHA256 of the PAN under this terminal's card-token key, base64url: same card, same token.
   * Clear tracks only: from an encrypting reader's masked tracks there is no PAN to key.
   */
  readonly token?: string;
  readonly cardholderName?: string;
}

export type CardBrand =
  'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'unionpay' | 'verve' | 'unknown';

export type SwipeFailureReason =
  | 'NO_TRACK_DATA'
  | 'NO_START_SENTINEL'
  | 'NO_END_SENTINEL'
  | 'BAD_FORMAT'
  | 'BAD_CHARACTER'
  | 'LRC_MISMATCH'
  | 'UNREADABLE_TRACK'
  | 'BAD_PAN_LENGTH'
  | 'LUHN_FAILED'
  | 'BAD_EXPIRY'
  | 'CARD_EXPIRED'
  | 'BAD_SERVICE_CODE'
  | 'TRACK_MISMATCH'
  | 'BAD_REPORT'
  | 'ENCRYPTED_DATA'
  | 'READER_KEYS_EXHAUSTED'
  | 'TOKEN_KEY_UNAVAILABLE';

export interface SwipeFailure {
  readonly ok: false;
  readonly reason: SwipeFailureReason;
  /** For the cashier ("swipe again: …"). Never contains track data. */
  readonly message: string;
}

export type SwipeResult = ({ readonly ok: true } & CardRead) | SwipeFailure;

/** One track as a reader delivered it: ASCII characters including sentinels, or a reader-side error. */
export type TrackRead =
  | { readonly status: 'ok'; readonly data: Uint8Array }
  | { readonly status: 'error' }
  | { readonly status: 'absent' };

export interface SwipeTracks {
  readonly track1: TrackRead;
  readonly track2: TrackRead;
  /**
   * The tracks are an encrypting reader's masked copies (PAN digits replaced by a mask character but
   * for the first few and the last four): read for brand, last four and a shown expiry only.
   */
  readonly masked?: true;
}

export function failure(reason: SwipeFailureReason, message: string): SwipeFailure {
  return { ok: false, reason, message };
}

/**
 * The tracks of one swipe as parsed: track 2 is the main one when it read (4-bit characters, fewer
 * read errors), else track 1; with neither, track 2's failure, else track 1's, else NO_TRACK_DATA.
 */
export function mainTrack<T extends object>(
  t1: T | SwipeFailure | undefined,
  t2: T | SwipeFailure | undefined,
): { main: T; good1?: T; good2?: T } | SwipeFailure {
  const good1 = t1 && !('ok' in t1) ? t1 : undefined;
  const good2 = t2 && !('ok' in t2) ? t2 : undefined;
  const main = good2 ?? good1;
  if (main) return { main, ...(good1 ? { good1 } : {}), ...(good2 ? { good2 } : {}) };
  if (t2 && 'ok' in t2) return t2;
  if (t1 && 'ok' in t1) return t1;
  return failure('NO_TRACK_DATA', 'no track was read');
}
