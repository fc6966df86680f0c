import { failure, type SwipeFailure, type SwipeTracks, type TrackRead } from './types';

/**
 * MagTek USB HID swipe readers (vendor 0x0801; Mini/Dynamag/SureSwipe in HID mode), "USB HID Swipe
 * Reader Technical Reference Manual" (MagTek P/N 99875191), section "Input Report": one 337-byte
 * report per swipe, no report ID.
 *
 *   offset  size  field
 *   0       1     track 1 decode status (bit 0 set: the reader could not decode the track)
 *   1       1     track 2 decode status
 *   2       1     track 3 decode status
 *   3       1     track 1 data length
 *   4       1     track 2 data length
 *   5       1     track 3 data length
 *   6       1     card encode type (0 ISO/ABA, 1 AAMVA, 3 blank, 4 other, 5 undetermined, 6 none)
 *   7       110   track 1 data (ASCII, sentinels included, zero padded)
 *   117     110   track 2 data
 *   227     110   track 3 data
 */
export const MAGTEK_REPORT_LENGTH = 337;
const TRACK_FIELD = 110;
const TRACK1_AT = 7;
const TRACK2_AT = TRACK1_AT + TRACK_FIELD;

function track(report: Uint8Array, n: 0 | 1, at: number): TrackRead | SwipeFailure {
  const status = report[n] ?? 0;
  const length = report[3 + n] ?? 0;
  if (status & 0x01) return { status: 'error' };
  if (length === 0) return { status: 'absent' };
  if (length > TRACK_FIELD) return failure('BAD_REPORT', 'the reader reported an impossible track length');
  return { status: 'ok', data: report.subarray(at, at + length) };
}

/**
 * MagneSafe readers (Dynamag/SureSwipe with MagneSafe, eDynamo, uDynamo over USB HID): one report of
 * at least 887 bytes (later firmware appends a HID report version, a MagnePrint KSN and a battery
 * level). Offsets from MagTek's "MagneSafe V5 Communication Reference Manual" (P/N 99875475, the
 * worked example of an input report: "According to the USB MagneSafe Swipe Reader Technical
 * Reference Manual the HID report is broken down like this") and the eDynamo Programmer's Manual
 * (D998200115), "Magnetic Stripe Card Data Sent from Device to Host":
 *
 *   offset   size  field
 *   0..2     3     track 1–3 decode status (bit 0: error)
 *   3..5     3     track 1–3 encrypted data length (clear length when the reader does not encrypt)
 *   6        1     card encode type
 *   7        112   track 1 encrypted data; 119: track 2; 231: track 3
 *   343      1     card status; 344: MagnePrint status (4); 348: MagnePrint length; 349: data (128)
 *   477      16    device serial number (ASCII, NUL-terminated)
 *   493      2     reader encryption status, big-endian (493 bits 15–8, 494 bits 7–0): bit 0 DUKPT
 *                  keys exhausted, bit 1 initial DUKPT key injected, bit 2 encryption enabled
 *   495      10    DUKPT key serial number (KSN)
 *   505..507 3     track 1–3 masked data length
 *   508      112   track 1 masked data; 620: track 2; 732: track 3
 *   844      8     encrypted session ID; 852..855: track 1–3 and MagnePrint absolute lengths
 *
 * The reader encrypts only when both "initial key injected" and "encryption enabled" are set; then
 * the track fields hold ciphertext only the processor can decrypt, and the masked fields hold the
 * tracks with the PAN's middle digits masked: those are read, for brand, last four and a shown
 * expiry (`masked.ts`). Nothing of the ciphertext, the KSN, the session ID or the MagnePrint is
 * read; the caller zeroes the whole report. Otherwise the track fields hold the tracks in the clear.
 * With its keys exhausted a reader reads no card and says so in the same report.
 */
export const MAGNESAFE_REPORT_LENGTH = 887;
const MAGNESAFE_FIELD = 112;
/** The low byte of the 2-byte big-endian reader encryption status. */
const MAGNESAFE_ENCRYPTION_STATUS_LOW = 494;
const KEYS_EXHAUSTED = 0x01;
const KEY_INJECTED = 0x02;
const ENCRYPTION_ENABLED = 0x04;
const MAGNESAFE_MASKED_LENGTHS = 505;
const MAGNESAFE_MASKED_AT = 508;

/** What a MagneSafe reader whose DUKPT keys are used up gives, in any of its modes. */
export function keysExhausted(): SwipeFailure {
  return failure(
    'READER_KEYS_EXHAUSTED',
    'the reader has used up its encryption keys and reads no more cards; it must be re-keyed',
  );
}

function magneSafeTrack(report: Uint8Array, n: 0 | 1, masked: boolean): TrackRead | SwipeFailure {
  const status = report[n] ?? 0;
  const length = report[(masked ? MAGNESAFE_MASKED_LENGTHS : 3) + n] ?? 0;
  if (status & 0x01) return { status: 'error' };
  if (length === 0) return { status: 'absent' };
  if (length > MAGNESAFE_FIELD)
    return failure('BAD_REPORT', 'the reader reported an impossible track length');
  const at = (masked ? MAGNESAFE_MASKED_AT : 7) + MAGNESAFE_FIELD * n;
  return { status: 'ok', data: report.subarray(at, at + length) };
}

function parseMagneSafe(report: Uint8Array): SwipeTracks | SwipeFailure {
  const encryption = report[MAGNESAFE_ENCRYPTION_STATUS_LOW] ?? 0;
  if (encryption & KEYS_EXHAUSTED) {
    return keysExhausted();
  }
  const masked = (encryption & (KEY_INJECTED | ENCRYPTION_ENABLED)) === (KEY_INJECTED | ENCRYPTION_ENABLED);
  const track1 = magneSafeTrack(report, 0, masked);
  if ('ok' in track1) return track1;
  const track2 = magneSafeTrack(report, 1, masked);
  if ('ok' in track2) return track2;
  return masked ? { track1, track2, masked: true } : { track1, track2 };
}

/**
 * The tracks of one MagTek input report (views into `report`; the caller zeroes it afterwards).
 * The report's length says which layout it is: 337 bytes SureSwipe / Mini, 887 or more MagneSafe.
 */
export function parseMagTekReport(report: Uint8Array): SwipeTracks | SwipeFailure {
  // Some HID stacks prefix report ID 0 to devices that use none.
  const body = report.length === MAGTEK_REPORT_LENGTH + 1 && report[0] === 0 ? report.subarray(1) : report;
  if (body.length >= MAGNESAFE_REPORT_LENGTH) return parseMagneSafe(body);
  if (body.length !== MAGTEK_REPORT_LENGTH) {
    return failure(
      'BAD_REPORT',
      `a MagTek report is ${MAGTEK_REPORT_LENGTH} bytes (MagneSafe: ${MAGNESAFE_REPORT_LENGTH} or more)`,
    );
  }
  const track1 = track(body, 0, TRACK1_AT);
  if ('ok' in track1) return track1;
  const track2 = track(body, 1, TRACK2_AT);
  if ('ok' in track2) return track2;
  return { track1, track2 };
}
