import { splitTracks } from './split-tracks';
import { keysExhausted } from './magtek';
import type { SwipeFailure, SwipeTracks } from './types';

/**
 * A keyboard-emulation swipe line (what the reader typed before its terminator) as tracks.
 *
 * MagTek MagneSafe readers in keyboard mode with encryption on ("MagneSafe V5 Communication
 * Reference Manual" P/N 99875475, "card data format for all programmable configuration options")
 * type the masked tracks, then fields each introduced by the field separator P35 ('|' by default):
 *
 *   %B4111********1111^DOE/JOHN^2812…?;4111********1111=2812…?|<reader encryption status, 4 hex>|
 *   <track 1–3 ciphertext, hex>|…|<MagnePrint status>|<encrypted MagnePrint>|<serial>|
 *   <encrypted session ID>|<KSN>|…|<format code>  then Enter
 *
 * A '|' never occurs in clear track data, so a line holding one is such a swipe: the part before
 * the first '|' is read as masked tracks (brand, last four, a shown expiry); the encryption status
 * says when the reader's keys are exhausted (bit 0 of its low byte); nothing after it is read.
 * Any other line is a clear swipe (`splitTracks`). The tracks are views into `line`.
 */
const SEPARATOR = 0x7c;

export function keyboardSwipeTracks(line: Uint8Array): SwipeTracks | SwipeFailure {
  const cut = line.indexOf(SEPARATOR);
  if (cut < 0) return splitTracks(line);
  const status = Buffer.from(line.subarray(cut + 1, cut + 5)).toString('latin1');
  if (/^[0-9A-Fa-f]{4}$/.test(status) && (parseInt(status.slice(2), 16) & 0x01) !== 0) {
    return keysExhausted();
  }
  return { ...splitTracks(line.subarray(0, cut)), masked: true };
}
