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

/** The tracks of one MagTek input report (views into `report`; the caller zeroes it afterwards). */
export function parseMagTekReport(report: Uint8Array): SwipeTracks | SwipeFailure {
  // Some HID stacks prefix report ID 0 to devices that use none.
  const body = report.length === MAGTEK_REPORT_LENGTH + 1 && report[0] === 0 ? report.subarray(1) : report;
  if (body.length !== MAGTEK_REPORT_LENGTH) {
    return failure('BAD_REPORT', `a MagTek report is ${MAGTEK_REPORT_LENGTH} bytes`);
  }
  const track1 = track(body, 0, TRACK1_AT);
  if ('ok' in track1) return track1;
  const track2 = track(body, 1, TRACK2_AT);
  if ('ok' in track2) return track2;
  return { track1, track2 };
}
