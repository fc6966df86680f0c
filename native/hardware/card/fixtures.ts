/**
 * Sample swipes, written out byte by byte from the documented formats, with the networks' public
 * test card numbers only (4111111111111111 Visa, 5555555555554444 Mastercard, 378282246310005
 * Amex — the numbers every processor's sandbox documents). These are NOT captures from a device:
 * none is available here (see docs/hardware.md, "What needs a real device").
 */

/** ISO/IEC 7813 track layouts (section 4 "Track 1", format code B; section 5 "Track 2"). */
export const VISA_TRACK1 = '%B4111111111111111^DOE/JOHN^2812101000000000?';
export const VISA_TRACK2 = ';4111111111111111=28121010000000000?';
export const MC_TRACK1 = '%B5555555555554444^NDIAYE/AWA.MME^2703201000?';
export const MC_TRACK2 = ';5555555555554444=27032010000?';
export const AMEX_TRACK2 = ';378282246310005=29011010000000000?';

/**
 * Track 2 with its LRC character, computed by hand per ISO/IEC 7811-3: XOR of the 4-bit codes
 * (ASCII - 0x30) of ';' (0xB), the digits, '=' (0xD) and '?' (0xF), which for VISA_TRACK2 is
 * 0x5 → '5' (0x30 + 0x5).
 */
export const VISA_TRACK2_WITH_LRC = ';4111111111111111=28121010000000000?5';

/**
 * MagTek "USB HID Swipe Reader Technical Reference Manual" (P/N 99875191), "Input Report": 7 header
 * bytes (decode status ×3, length ×3, card encode type) then three 110-byte track fields.
 * Track 1 decoded (0x00), track 2 decoded (0x00), track 3 not decoded (0x01); lengths 0x2d (45) and
 * 0x24 (36); encode type 0x00 (ISO/ABA).
 */
export const MAGTEK_HEADER_HEX = '00 00 01 2d 24 00 00';
export function magTekFixture(): Uint8Array {
  const r = new Uint8Array(337);
  r.set(Buffer.from(MAGTEK_HEADER_HEX.replace(/ /g, ''), 'hex'), 0);
  r.set(Buffer.from(VISA_TRACK1, 'latin1'), 7);
  r.set(Buffer.from(VISA_TRACK2, 'latin1'), 117);
  return r;
}

/**
 * ID TECH "Enhanced Encrypted MSR Data Output Format", "Data Output Format", encryption off:
 * STX, length 0x0058 (88 = 7 header bytes + 45 + 36) little-endian, encode type 0x80 (ISO/ABA),
 * track status 0x1B (tracks 1 and 2 decoded and present), lengths 0x2d 0x24 0x00, clear data sent
 * 0x03, encrypted data sent 0x00, the two tracks, then LRC, checksum and ETX.
 */
export const IDTECH_MC_HEX =
  '02 58 00 80 1b 2d 24 00 03 00' +
  Buffer.from(MC_TRACK1 + ';5555555555554444=27032010000000000?', 'latin1')
    .toString('hex')
    .replace(/(..)/g, ' $1') +
  ' LRC SUM 03';
export function idTechFixture(): Uint8Array {
  const hex = IDTECH_MC_HEX.split(' ').filter(Boolean);
  const bytes = hex.slice(0, -3).map((h) => parseInt(h, 16));
  const data = bytes.slice(3);
  const lrc = data.reduce((a, b) => a ^ b, 0);
  const sum = data.reduce((a, b) => (a + b) & 0xff, 0);
  return Uint8Array.from([...bytes, lrc, sum, 0x03]);
}

/**
 * Boot keyboard reports (HID 1.11 appendix B.1) a US-layout keyboard-emulation reader sends for
 * ";41=?" then Enter: ';' is usage 0x33, '4' 0x21, '1' 0x1e, '=' 0x2e, '?' shift (0x02) + 0x38,
 * Enter 0x28 (HID Usage Tables 1.5, section 10); each key-down is followed by an all-up report.
 */
export const US_KEYBOARD_SAMPLE_HEX = [
  '00 00 33 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '00 00 21 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '00 00 1e 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '00 00 2e 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '02 00 38 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
];

/**
 * The same characters typed by a reader set to French AZERTY: ';' is usage 0x36 (the US ',' key),
 * '4' shift + 0x21, '1' shift + 0x1e, '=' 0x2e, '?' shift + 0x10 (the US 'm' key), '%' shift +
 * 0x34 (the US quote key, ù/%).
 */
export const AZERTY_KEYBOARD_SAMPLE_HEX = [
  '00 00 36 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '02 00 21 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '02 00 1e 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '00 00 2e 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
  '02 00 10 00 00 00 00 00',
  '00 00 00 00 00 00 00 00',
];

export const hexReport = (hex: string): Uint8Array => Buffer.from(hex.replace(/ /g, ''), 'hex');

/**
 * The input report of MagTek's "MagneSafe V5 Communication Reference Manual" (P/N 99875475), worked
 * example "According to the USB MagneSafe Swipe Reader Technical Reference Manual the HID report is
 * broken down like this", written out field by field from the manual's hex dump (the MagnePrint
 * and the track fields before offset 480 are left zero here; only their lengths are kept): the
 * manual's test card 5452 3005 5122 7189, masked by the reader to `5452000000007189`.
 */
export const MAGNESAFE_V5_EXAMPLE = {
  masked1: `%B5452000000007189^HOGAN/PAUL      ^0804${'0'.repeat(19)}?`,
  masked2: `;5452000000007189=0804${'0'.repeat(14)}?`,
  masked3: `;5163000050000445=${'0'.repeat(12)}?`,
  ksnHex: 'ffff9876543210e00008',
  sessionIdHex: '21685f158b5c6be0',
};
export function magneSafeV5Example(): Uint8Array {
  const r = new Uint8Array(887);
  const e = MAGNESAFE_V5_EXAMPLE;
  r.set([0x00, 0x00, 0x00, 0x3c, 0x25, 0x1f, 0x00], 0); // decode status ×3, encrypted lengths ×3, encode type
  r.set([0x00, 0x06], 493); // reader encryption status: key injected, encryption enabled
  r.set(Buffer.from(e.ksnHex, 'hex'), 495);
  r.set([e.masked1.length, e.masked2.length, e.masked3.length], 505);
  r.set(Buffer.from(e.masked1, 'latin1'), 508);
  r.set(Buffer.from(e.masked2, 'latin1'), 620);
  r.set(Buffer.from(e.masked3, 'latin1'), 732);
  r.set(Buffer.from(e.sessionIdHex, 'hex'), 844);
  r.set([0x3c, 0x25, 0x1f, 0x36], 852); // absolute lengths: tracks 1–3, MagnePrint
  return r;
}
