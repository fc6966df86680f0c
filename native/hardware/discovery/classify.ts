import type { CardReaderFormat } from '../card/readers';

/** What enumeration found, from either bus. `id` survives re-plugging (see deviceId). */
export interface DiscoveredDevice {
  readonly id: string;
  readonly bus: 'hid' | 'usb';
  readonly vendorId: number;
  readonly productId: number;
  readonly serialNumber?: string;
  /** OS path (HID) or bus address (USB): where to open it now; changes across re-plugs. */
  readonly path: string;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly usagePage?: number;
  readonly usage?: number;
  readonly category: DeviceCategory;
  /** For card readers: which report format to decode. */
  readonly cardFormat?: CardReaderFormat;
}

/** 'keyboard-wedge': a keyboard that may be a wedge scanner or a keyboard-emulation card reader. */
export type DeviceCategory = 'card-reader' | 'scanner-hid-pos' | 'keyboard-wedge' | 'printer' | 'unknown';

export const VENDORS = {
  magtek: 0x0801,
  idtech: 0x0acd,
  honeywell: 0x0c2e,
  zebra: 0x05e0,
  datalogic: 0x05f9,
  epson: 0x04b8,
  star: 0x0519,
  bixolon: 0x1504,
} as const;

const PRINTER_VENDORS = new Set<number>([VENDORS.epson, VENDORS.star, VENDORS.bixolon]);
const PAGE_GENERIC_DESKTOP = 0x01;
const USAGE_KEYBOARD = 0x06;
const PAGE_BARCODE_SCANNER = 0x8c;
const PAGE_MSR = 0x8e;
const VENDOR_PAGE_MIN = 0xff00;
export const USB_CLASS_PRINTER = 0x07;

/**
 * A device is the same device across re-plugs when vendor, product and serial number match; a
 * device without a serial number falls back to its path, which holds only while it stays in the
 * same port.
 */
export function deviceId(d: {
  vendorId: number;
  productId: number;
  serialNumber?: string;
  path: string;
}): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  const tail = d.serialNumber ? `sn:${d.serialNumber}` : `path:${d.path}`;
  return `${hex(d.vendorId)}:${hex(d.productId)}:${tail}`;
}

export interface HidClassifyInput {
  readonly vendorId: number;
  readonly usagePage?: number;
  readonly usage?: number;
}

/** Usage page first (it says what the interface does), vendor second (it says whose format). */
export function classifyHid(d: HidClassifyInput): {
  category: DeviceCategory;
  cardFormat?: CardReaderFormat;
} {
  const isKeyboard = d.usagePage === PAGE_GENERIC_DESKTOP && d.usage === USAGE_KEYBOARD;
  const vendorPage = (d.usagePage ?? 0) >= VENDOR_PAGE_MIN;
  if (d.usagePage === PAGE_BARCODE_SCANNER) return { category: 'scanner-hid-pos' };
  if (d.vendorId === VENDORS.magtek) {
    if (isKeyboard) return { category: 'card-reader', cardFormat: 'keyboard' };
    if (vendorPage || d.usagePage === PAGE_MSR) return { category: 'card-reader', cardFormat: 'magtek' };
  }
  if (d.vendorId === VENDORS.idtech) {
    if (isKeyboard) return { category: 'card-reader', cardFormat: 'keyboard' };
    if (vendorPage || d.usagePage === PAGE_MSR) return { category: 'card-reader', cardFormat: 'idtech' };
  }
  if (d.usagePage === PAGE_MSR) return { category: 'card-reader' };
  if (isKeyboard) return { category: 'keyboard-wedge' };
  return { category: 'unknown' };
}

export function classifyUsb(d: { vendorId: number; interfaceClasses: readonly number[] }): DeviceCategory {
  if (d.interfaceClasses.includes(USB_CLASS_PRINTER)) return 'printer';
  // Some receipt printers expose only a vendor-specific interface; the vendor list catches those.
  if (PRINTER_VENDORS.has(d.vendorId) && d.interfaceClasses.includes(0xff)) return 'printer';
  return 'unknown';
}
