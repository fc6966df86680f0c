import { TRACK1_BASE, TRACK2_BASE, trackLrc } from './lrc';
import { failure, type SwipeFailure } from './types';

/** Fields of a financial track. `pan` is ASCII digits the caller must zero when done. */
export interface TrackFields {
  readonly pan: Buffer;
  readonly name?: string;
  /** YYMM as on the card. */
  readonly expiry: string;
  readonly serviceCode: string;
}

/** Track characters (ISO/IEC 7813): start sentinels, end sentinel, field separators. */
export const PERCENT = 0x25;
export const SEMICOLON = 0x3b;
export const QUESTION = 0x3f;
export const CARET = 0x5e;
export const EQUALS = 0x3d;
const MAX_TRACK1 = 79;
const MAX_TRACK2 = 40;

export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * Checks sentinels and, when the reader passed it on, the LRC character after the end sentinel.
 * Returns the body between the sentinels.
 */
function frame(
  data: Uint8Array,
  start: number,
  base: number,
  mask: number,
  maxLength: number,
  allowed: (c: number) => boolean,
): Uint8Array | SwipeFailure {
  if (data.length === 0) return failure('NO_TRACK_DATA', 'the track is empty');
  if (data[0] !== start)
    return failure('NO_START_SENTINEL', 'the track does not begin with its start sentinel');
  const end = data.indexOf(QUESTION, 1);
  if (end < 0) return failure('NO_END_SENTINEL', 'the track has no end sentinel');
  if (end + 1 > maxLength) return failure('BAD_FORMAT', 'the track is longer than ISO/IEC 7813 allows');
  const trailing = data.length - end - 1;
  if (trailing > 1) return failure('BAD_FORMAT', 'unexpected characters after the end sentinel');
  const body = data.subarray(1, end);
  for (const c of body)
    if (!allowed(c)) return failure('BAD_CHARACTER', 'the track holds a character outside its set');
  if (trailing === 1) {
    const expected = trackLrc(data.subarray(0, end + 1), base, mask);
    if (data[end + 1] !== expected)
      return failure('LRC_MISMATCH', 'the track check character does not match');
  }
  return body;
}

function tail(rest: Uint8Array): { expiry: string; serviceCode: string } | SwipeFailure {
  if (rest.length < 7) return failure('BAD_FORMAT', 'the track is too short for expiry and service code');
  for (let i = 0; i < 7; i++) {
    if (!isDigit(rest[i])) return failure('BAD_FORMAT', 'expiry and service code must be digits');
  }
  const text = Buffer.from(rest.subarray(0, 7)).toString('latin1');
  return { expiry: text.slice(0, 4), serviceCode: text.slice(4, 7) };
}

function panOf(bytes: Uint8Array): Buffer | SwipeFailure {
  for (const c of bytes)
    if (!isDigit(c)) return failure('BAD_FORMAT', 'the card number field holds a non-digit');
  if (bytes.length < 12 || bytes.length > 19)
    return failure('BAD_PAN_LENGTH', 'the card number has an invalid length');
  return Buffer.from(bytes);
}

/** ISO/IEC 7813 track 1, format B: `%B<PAN>^<NAME>^<YYMM><SVC><discretionary>?[LRC]`. */
export function parseTrack1(data: Uint8Array): TrackFields | SwipeFailure {
  const body = frame(
    data,
    PERCENT,
    TRACK1_BASE,
    0x3f,
    MAX_TRACK1,
    (c) => c >= 0x20 && c <= 0x5f && c !== QUESTION,
  );
  if ('ok' in body) return body;
  if (body[0] !== 0x42) return failure('BAD_FORMAT', 'track 1 is not format code B');
  const sep1 = body.indexOf(CARET, 1);
  if (sep1 < 0) return failure('BAD_FORMAT', 'track 1 has no field separator after the card number');
  const sep2 = body.indexOf(CARET, sep1 + 1);
  if (sep2 < 0) return failure('BAD_FORMAT', 'track 1 has no field separator after the name');
  const nameBytes = body.subarray(sep1 + 1, sep2);
  if (nameBytes.length > 26) return failure('BAD_FORMAT', 'track 1 name is longer than 26 characters');
  const rest = tail(body.subarray(sep2 + 1));
  if ('ok' in rest) return rest;
  const pan = panOf(body.subarray(1, sep1));
  if ('ok' in pan) return pan;
  const name = formatName(Buffer.from(nameBytes).toString('latin1'));
  return { pan, expiry: rest.expiry, serviceCode: rest.serviceCode, ...(name ? { name } : {}) };
}

/** ISO/IEC 7813 track 2: `;<PAN>=<YYMM><SVC><discretionary>?[LRC]`. */
export function parseTrack2(data: Uint8Array): TrackFields | SwipeFailure {
  const body = frame(data, SEMICOLON, TRACK2_BASE, 0x0f, MAX_TRACK2, (c) => isDigit(c) || c === EQUALS);
  if ('ok' in body) return body;
  const sep = body.indexOf(EQUALS);
  if (sep < 0) return failure('BAD_FORMAT', 'track 2 has no field separator');
  const rest = tail(body.subarray(sep + 1));
  if ('ok' in rest) return rest;
  const pan = panOf(body.subarray(0, sep));
  if ('ok' in pan) return pan;
  return { pan, expiry: rest.expiry, serviceCode: rest.serviceCode };
}

/** "SURNAME/GIVEN NAMES.TITLE" (ISO/IEC 7813 name field) to "Given Names Surname". */
function formatName(raw: string): string | undefined {
  const trimmed = raw.trim();
  // A name never holds digits; refusing them also keeps a mis-framed card number out of the name.
  if (!trimmed || !/[A-Z]/i.test(trimmed) || /\d/.test(trimmed)) return undefined;
  const [surname = '', given = ''] = trimmed.split('/', 2);
  const first = given.split('.')[0]?.trim() ?? '';
  const full = first ? `${first} ${surname.trim()}` : surname.trim();
  return full.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());
}
