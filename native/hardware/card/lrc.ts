/**
 * ISO/IEC 7811-2 (track 1, 7 bits per character: 6 data bits + odd parity) and 7811-3 (track 2,
 * 5 bits: 4 data bits + odd parity) end each track with a longitudinal redundancy check: the XOR of
 * the data bits of every character from the start sentinel through the end sentinel. Readers that
 * report ASCII have already mapped each character (track 1: code = ASCII - 0x20, track 2: code =
 * ASCII - 0x30) and checked and dropped the parity bits, so once in ASCII we can recompute the LRC
 * over those codes — but the per-character parity bits and the LRC character's own parity are gone
 * and cannot be verified here; the reader did that, or the data would not have been decoded.
 */
export const TRACK1_BASE = 0x20;
export const TRACK2_BASE = 0x30;

export function trackLrc(chars: Uint8Array, base: number, mask: number): number {
  let lrc = 0;
  for (const c of chars) lrc ^= (c - base) & mask;
  return (lrc & mask) + base;
}
