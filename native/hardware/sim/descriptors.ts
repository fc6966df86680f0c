/**
 * HID report descriptors as the simulated devices would declare them (HID 1.11 §6.2.2 short
 * items; the keyboard one is the boot keyboard descriptor of appendix E.6).
 */

/** A boot keyboard; with `reportId`, its input report is declared under that ID. */
export function keyboardDescriptor(reportId?: number): Uint8Array {
  return Uint8Array.from([
    0x05,
    0x01, // Usage Page (Generic Desktop)
    0x09,
    0x06, // Usage (Keyboard)
    0xa1,
    0x01, // Collection (Application)
    ...(reportId === undefined ? [] : [0x85, reportId]), // Report ID
    0x05,
    0x07, //   Usage Page (Keyboard/Keypad)
    0x19,
    0xe0,
    0x29,
    0xe7, // Usage Minimum/Maximum (modifiers)
    0x15,
    0x00,
    0x25,
    0x01, // Logical Minimum 0, Maximum 1
    0x75,
    0x01,
    0x95,
    0x08, // Report Size 1, Report Count 8
    0x81,
    0x02, //   Input (Data, Variable, Absolute): modifier byte
    0x95,
    0x01,
    0x75,
    0x08, // Report Count 1, Report Size 8
    0x81,
    0x01, //   Input (Constant): reserved byte
    0x95,
    0x05,
    0x75,
    0x01,
    0x05,
    0x08,
    0x19,
    0x01,
    0x29,
    0x05, //   LEDs
    0x91,
    0x02, //   Output (Data, Variable, Absolute)
    0x95,
    0x01,
    0x75,
    0x03,
    0x91,
    0x01, //   Output (Constant): padding
    0x95,
    0x06,
    0x75,
    0x08,
    0x15,
    0x00,
    0x25,
    0x65,
    0x05,
    0x07,
    0x19,
    0x00,
    0x29,
    0x65,
    0x81,
    0x00, //   Input (Data, Array): six key usages
    0xc0, // End Collection
  ]);
}

/** Logical Minimum 0, Logical Maximum 255, Report Size 8: the fields that follow are bytes. */
const BYTE_FIELDS = [0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08];

/** A vendor-page device (as MagTek's swipe readers are) with one input report of `bytes` bytes. */
export function vendorReportDescriptor(bytes: number): Uint8Array {
  return Uint8Array.from([
    0x06,
    0x00,
    0xff, // Usage Page (Vendor 0xFF00)
    0x09,
    0x01, // Usage (1)
    0xa1,
    0x01, // Collection (Application)
    ...BYTE_FIELDS,
    0x96,
    bytes & 0xff,
    bytes >> 8, // Report Count (2 bytes)
    0x09,
    0x20, // Usage (0x20)
    0x81,
    0x02, // Input (Data, Variable, Absolute)
    0xc0, // End Collection
  ]);
}

/** Track field sizes of the simulated standard MSR reader: ISO/IEC 7811 maxima, sentinels and LRC included. */
export const MSR_TRACK_BYTES = [79, 40, 107] as const;

/**
 * A reader on the standard HID Magnetic Stripe Reading page (HID POS Usage Tables 1.02, page 0x8E):
 * application collection MSR Device Read-Only (0x01); one input report of the three track lengths
 * (Track 1–3 Length, 0x11–0x13, one byte each) then the three track data fields (Track 1–3 Data,
 * 0x21–0x23, `MSR_TRACK_BYTES` bytes each, Input (Data, Variable, Absolute, Buffered Bytes)).
 */
export function msrReportDescriptor(reportId?: number): Uint8Array {
  const data = (usage: number, bytes: number) => [0x95, bytes, 0x09, usage, 0x82, 0x02, 0x01];
  return Uint8Array.from([
    0x05,
    0x8e, // Usage Page (Magnetic Stripe Reading)
    0x09,
    0x01, // Usage (MSR Device Read-Only)
    0xa1,
    0x01, // Collection (Application)
    ...(reportId === undefined ? [] : [0x85, reportId]), // Report ID
    ...BYTE_FIELDS,
    0x95,
    0x03, // Report Count 3
    0x09,
    0x11,
    0x09,
    0x12,
    0x09,
    0x13, // Usage (Track 1 Length), (Track 2 Length), (Track 3 Length)
    0x81,
    0x02, // Input (Data, Variable, Absolute)
    ...data(0x21, MSR_TRACK_BYTES[0]), // Report Count 79, Usage (Track 1 Data), Input (…, Buffered Bytes)
    ...data(0x22, MSR_TRACK_BYTES[1]),
    ...data(0x23, MSR_TRACK_BYTES[2]),
    0xc0, // End Collection
  ]);
}
