import { describe, expect, it } from 'vitest';
import { keyboardDescriptor, vendorReportDescriptor } from '../sim/descriptors';
import { cardFormatFromDescriptor, msrLayoutFromDescriptor, summariseDescriptor } from './report-descriptor';

describe('HID report descriptors', () => {
  it('reads a boot keyboard: Generic Desktop / Keyboard, one 8-byte input report', () => {
    const plain = summariseDescriptor(keyboardDescriptor());
    expect(plain).toEqual({
      application: { usagePage: 0x01, usage: 0x06 },
      usesReportIds: false,
      inputBytes: new Map([[0, 8]]),
      // Modifier bits carry Left Control … Right GUI (Usage Minimum/Maximum 0xE0–0xE7); the reserved
      // byte is Constant and the six key slots an Array: neither names a usage per field.
      inputFields: [
        ...Array.from({ length: 8 }, (_, i) => ({ reportId: 0, bitOffset: i, bits: 1, usage: 0x700e0 + i })),
        { reportId: 0, bitOffset: 8, bits: 8, usage: 0 },
        ...Array.from({ length: 6 }, (_, i) => ({ reportId: 0, bitOffset: 16 + 8 * i, bits: 8, usage: 0 })),
      ],
    });
    expect(summariseDescriptor(keyboardDescriptor(2))).toMatchObject({
      usesReportIds: true,
      inputBytes: new Map([[2, 8]]),
    });
    expect(cardFormatFromDescriptor(plain)).toBe('keyboard');
  });

  it('tells MagTek layouts by input report size, and leaves other sizes to the vendor ID', () => {
    expect(summariseDescriptor(vendorReportDescriptor(337))?.inputBytes).toEqual(new Map([[0, 337]]));
    expect(cardFormatFromDescriptor(summariseDescriptor(vendorReportDescriptor(337)))).toBe('magtek');
    expect(cardFormatFromDescriptor(summariseDescriptor(vendorReportDescriptor(887)))).toBe('magtek');
    expect(cardFormatFromDescriptor(summariseDescriptor(vendorReportDescriptor(930)))).toBe('magtek');
    expect(cardFormatFromDescriptor(summariseDescriptor(vendorReportDescriptor(64)))).toBeUndefined();
  });

  it('refuses a truncated descriptor and never throws on garbage', () => {
    const cut = vendorReportDescriptor(337).subarray(0, 16); // Report Count without its high byte
    expect(summariseDescriptor(cut)).toBeNull();
    expect(cardFormatFromDescriptor(null)).toBeUndefined();
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: i % 90 }, () => (seed = (seed * 1103515245 + 12345) & 0xff));
      expect(() => cardFormatFromDescriptor(summariseDescriptor(bytes))).not.toThrow();
      expect(() => msrLayoutFromDescriptor(summariseDescriptor(bytes))).not.toThrow();
    }
  });
});
