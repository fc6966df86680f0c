import { brandOfPrefix } from './brand';
import { checkExpiry } from './expiry';
import { CARET, EQUALS, isDigit, PERCENT, QUESTION, SEMICOLON } from './track-parse';
import { failure, mainTrack, type CardBrand, type SwipeFailure } from './types';

/**
 * Masked tracks, as encrypting readers send them in the clear beside the ciphertext (MagTek
 * MagneSafe / eDynamo "Track n Masked Data", ID TECH "clear/masked data"): the track's layout with
 * the PAN's middle digits replaced by a mask character (MagTek's default '0', often '*'), e.g.
 * `%B4111********1111^DOE/JOHN^2812…?` or `;5452000000007189=0804000000000000?`. What may be read
 * from them: the brand (from the leading digits left in the clear), the last four digits, and the
 * expiry when the reader shows it (a masked expiry, `0000` or `****`, is simply not there). The
 * cardholder's name, the service code and the discretionary data are never read.
 */
export interface MaskedFields {
  readonly brand: CardBrand;
  readonly last4: string;
  /** YYMM as on the card, when the reader left it in the clear. */
  readonly expiry?: string;
}

const FORMAT_B = 0x42;
/** Leading digits a '0'-masked PAN is taken to show: MagTek's default (a mask of '0' hides how many). */
const ZERO_MASK_LEADING = 4;

const isMaskChar = (c: number): boolean =>
  c > 0x20 && c < 0x7f && !isDigit(c) && c !== CARET && c !== EQUALS && c !== QUESTION;

/** The track between its sentinels, or why there is none. */
function body(data: Uint8Array, start: number): Uint8Array | SwipeFailure {
  if (data.length === 0) return failure('NO_TRACK_DATA', 'the track is empty');
  if (data[0] !== start)
    return failure('NO_START_SENTINEL', 'the track does not begin with its start sentinel');
  const end = data.indexOf(QUESTION, 1);
  if (end < 0) return failure('NO_END_SENTINEL', 'the track has no end sentinel');
  return data.subarray(1, end);
}

function fields(pan: Uint8Array, rest: Uint8Array): MaskedFields | SwipeFailure {
  if (pan.length < 12 || pan.length > 19)
    return failure('BAD_PAN_LENGTH', 'the card number has an invalid length');
  let mask: number | undefined;
  let leading = 0;
  for (const [i, c] of pan.entries()) {
    if (isDigit(c)) {
      if (mask === undefined && i === leading) leading++;
      continue;
    }
    if (!isMaskChar(c) || (mask !== undefined && c !== mask))
      return failure('BAD_CHARACTER', 'the masked card number holds a character outside its set');
    mask = c;
  }
  const last4 = pan.subarray(pan.length - 4);
  if (!last4.every(isDigit))
    return failure('BAD_FORMAT', 'the reader masks the last four digits; set it to show them');
  const brand = brandOfPrefix(pan.subarray(0, Math.min(mask === undefined ? ZERO_MASK_LEADING : leading, 6)));
  const yymm = rest.subarray(0, 4);
  const shown = yymm.length === 4 && yymm.every(isDigit) && yymm.some((c) => c !== 0x30);
  return {
    brand,
    last4: Buffer.from(last4).toString('latin1'),
    ...(shown ? { expiry: Buffer.from(yymm).toString('latin1') } : {}),
  };
}

/** Masked track 1: `%B<masked PAN>^<name>^<YYMM or mask>…?`. */
export function parseMaskedTrack1(data: Uint8Array): MaskedFields | SwipeFailure {
  const b = body(data, PERCENT);
  if ('ok' in b) return b;
  if (b[0] !== FORMAT_B) return failure('BAD_FORMAT', 'track 1 is not format code B');
  const sep1 = b.indexOf(CARET, 1);
  const sep2 = sep1 < 0 ? -1 : b.indexOf(CARET, sep1 + 1);
  if (sep2 < 0) return failure('BAD_FORMAT', 'track 1 lacks its field separators');
  return fields(b.subarray(1, sep1), b.subarray(sep2 + 1));
}

/** Masked track 2: `;<masked PAN>=<YYMM or mask>…?`. */
export function parseMaskedTrack2(data: Uint8Array): MaskedFields | SwipeFailure {
  const b = body(data, SEMICOLON);
  if ('ok' in b) return b;
  const sep = b.indexOf(EQUALS);
  if (sep < 0) return failure('BAD_FORMAT', 'track 2 has no field separator');
  return fields(b.subarray(0, sep), b.subarray(sep + 1));
}

/**
 * One masked swipe: track 2 preferred, track 1 when track 2 is missing; when both read they must
 * agree. A shown expiry is checked against `now` like a clear one.
 */
export function combineMasked(
  t1: MaskedFields | SwipeFailure | undefined,
  t2: MaskedFields | SwipeFailure | undefined,
  now: Date,
): { ok: true; brand: CardBrand; last4: string; expiry?: string } | SwipeFailure {
  const picked = mainTrack(t1, t2);
  if ('ok' in picked) return picked;
  const { main, good1, good2 } = picked;
  if (
    good1 &&
    good2 &&
    (good1.last4 !== good2.last4 || (good1.expiry && good2.expiry && good1.expiry !== good2.expiry))
  )
    return failure('TRACK_MISMATCH', 'tracks 1 and 2 disagree');
  const yymm = main.expiry ?? good1?.expiry;
  const brand = main.brand === 'unknown' && good1 ? good1.brand : main.brand;
  if (yymm === undefined) return { ok: true, brand, last4: main.last4 };
  const expiry = checkExpiry(yymm, now);
  if (typeof expiry !== 'string') return expiry;
  return { ok: true, brand, last4: main.last4, expiry };
}
