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
    0x15,
    0x00,
    0x26,
    0xff,
    0x00, // Logical Minimum 0, Maximum 255
    0x75,
    0x08, // Report Size 8
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
