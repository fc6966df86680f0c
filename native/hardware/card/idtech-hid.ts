import { splitTracks } from './split-tracks';
import { failure, type SwipeFailure, type SwipeTracks, type TrackRead } from './types';

/**
 * ID TECH's own HID report ("ID TECH HID Reader Data Structure": MiniMag II manual, "HID REPORT";
 * SecureHead user manual, §4.1.1 "USB HID Data Format"; USB HID Fmt setting '0', the default):
 *
 *   offset  field
 *   0–2     T1, T2, T3 decode status (0 no error, 1 error)
 *   3–5     T1, T2, T3 data length
 *   6       card encode type
 *   7, 8    total output length (low byte first, as every ID TECH length)
 *   9…      output data: "the reader will keep all of the ID TECH data editing and other features
 *           like preamble, postamble, etc." — the tracks as the reader formats them, each
 *           `<SS><data><ES>` followed by its track separator (CR by default)
 *
 * "The output data is always 512 bytes" (SecureHead) / "the report is always 500 bytes" (MiniMag
 * II); "the Total Output Length field indicates the valid data length". An encrypting reader's
 * output data is its Enhanced packet (`idtech.ts`), which starts with STX. Other settings of the
 * same readers send MagTek's 337-byte report (USB HID Fmt '1', `magtek.ts`) or keyboard reports
 * ('8').
 */
export const IDTECH_HID_HEADER = 9;
/** The smallest report this layout comes in (MiniMag II's 500 bytes). */
export const IDTECH_HID_MIN_REPORT = 500;
/** The largest: SecureHead's 9 header bytes and 512 bytes of output data. */
export const IDTECH_HID_MAX_REPORT = IDTECH_HID_HEADER + 512;
const STX = 0x02;
const CR = 0x0d;
const LF = 0x0a;

/**
 * True when `report` has this layout's shape: its size and decode status bytes of 0 or 1 (a chunk
 * of an Enhanced packet starts with STX, 2).
 */
export function isIdTechHidReport(report: Uint8Array): boolean {
  return report.length >= IDTECH_HID_MIN_REPORT && [0, 1, 2].every((i) => (report[i] ?? 2) <= 1);
}

const outputLength = (report: Uint8Array): number => (report[7] ?? 0) | ((report[8] ?? 0) << 8);

/**
 * The report's output data: an Enhanced packet (`packet`, to be parsed as one), or its clear tracks
 * (views into `owned`, a copy without the separators; the caller zeroes it).
 */
export function readIdTechHidReport(
  report: Uint8Array,
): { packet: Uint8Array } | { tracks: SwipeTracks | SwipeFailure; owned: Uint8Array } {
  if (outputLength(report) > report.length - IDTECH_HID_HEADER)
    return {
      tracks: failure('BAD_REPORT', 'the output length exceeds the report'),
      owned: new Uint8Array(0),
    };
  const output = report.subarray(IDTECH_HID_HEADER, IDTECH_HID_HEADER + outputLength(report));
  if (output[0] === STX) return { packet: output };
  const owned = Buffer.from(output.filter((b) => b !== CR && b !== LF));
  if (owned.length === 0) {
    const errors = [0, 1].map((n) => report[n] === 1);
    return {
      tracks: errors.some(Boolean)
        ? { track1: read(errors[0]), track2: read(errors[1]) }
        : failure('NO_TRACK_DATA', 'no track was read'),
      owned,
    };
  }
  const split = splitTracks(owned);
  // The decode status bytes name a track the reader could not read, whatever its output shows.
  return {
    tracks: {
      track1: report[0] === 1 ? { status: 'error' } : split.track1,
      track2: report[1] === 1 ? { status: 'error' } : split.track2,
    },
    owned,
  };
}

const read = (error: boolean | undefined): TrackRead => (error ? { status: 'error' } : { status: 'absent' });
