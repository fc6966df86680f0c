/** What the core receives from a good swipe. The full card number never leaves native/. */
export interface CardRead {
  readonly brand: CardBrand;
  readonly last4: string;
  /** 'YYYY-MM', the last month in which the card is valid. */
  readonly expiry: string;
  /** ISO/IEC 7813 service code, three digits (first digit 2 or 6: the card has a chip). */
  readonly serviceCode: string;
  /** HMAC-SHA256 of the PAN under this terminal's card-token key, base64url: same card, same token. */
  readonly token: string;
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
}

export function failure(reason: SwipeFailureReason, message: string): SwipeFailure {
  return { ok: false, reason, message };
}
