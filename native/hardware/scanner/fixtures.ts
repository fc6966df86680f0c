/**
 * Scanner samples written out from the documented formats (no device is available here to capture).
 *
 * HID POS: one Scanned Data Report (layout in hid-pos.ts: report ID 0x02, length, AIM identifier,
 * 56 data bytes, Honeywell code ID, reserved, continuation flag) for the EAN-13 symbol 4006381333931
 * — the worked example of GS1 check-digit calculation used in GS1's and Wikipedia's EAN-13 pages —
 * AIM "]E0" (ISO/IEC 15424: E = EAN/UPC, modifier 0 = EAN-13/UPC-A), Honeywell code ID 'd' (0x64).
 */
export const HID_POS_EAN13_HEX =
  '02 0d 5d 45 30 34 30 30 36 33 38 31 33 33 33 39 33 31' + ' 00'.repeat(43) + ' 64 00 00';

/**
 * Keyboard wedge (US layout): "96385074" (the EAN-8 example in GS1 General Specifications' check
 * digit section) then Enter, as boot keyboard reports: 9 = usage 0x26, 6 = 0x23, 3 = 0x20,
 * 8 = 0x25, 5 = 0x22, 0 = 0x27, 7 = 0x24, 4 = 0x21, Enter = 0x28 (HID Usage Tables 1.5,
 * section 10), each key-down followed by an all-up report.
 */
export const WEDGE_EAN8_USAGES = [0x26, 0x23, 0x20, 0x25, 0x22, 0x27, 0x24, 0x21, 0x28];
export function wedgeEan8Reports(keyGapMs: number): Array<{ report: Uint8Array; at: number }> {
  return WEDGE_EAN8_USAGES.flatMap((usage, i) => [
    { report: Uint8Array.from([0, 0, usage, 0, 0, 0, 0, 0]), at: 2 * i * keyGapMs },
    { report: new Uint8Array(8), at: (2 * i + 1) * keyGapMs },
  ]);
}
