import type { CardReaderFormat } from '../card/readers';
import { MAGNESAFE_REPORT_LENGTH, MAGTEK_REPORT_LENGTH } from '../card/magtek';

/**
 * What a HID report descriptor says about a device's input (Device Class Definition for HID 1.11,
 * §6.2.2 "Report Descriptor": short items, prefix byte = tag << 4 | type << 2 | size code). Only
 * what chooses a decoder is kept: the application collection's usage page and usage, whether
 * reports carry an ID, and the size of each input report.
 */
export interface DescriptorSummary {
  /** Usage page and usage of the first application collection. */
  readonly application: { readonly usagePage: number; readonly usage: number } | null;
  readonly usesReportIds: boolean;
  /** Input report sizes in bytes (report ID byte not counted), by report ID (0 when there are none). */
  readonly inputBytes: ReadonlyMap<number, number>;
}

const MAIN = 0;
const GLOBAL = 1;
const LOCAL = 2;
// Main items
const INPUT = 0x8;
const COLLECTION = 0xa;
// Global items
const USAGE_PAGE = 0x0;
const REPORT_SIZE = 0x7;
const REPORT_ID = 0x8;
const REPORT_COUNT = 0x9;
const PUSH = 0xa;
const POP = 0xb;
// Local items
const USAGE = 0x0;
const APPLICATION = 0x01;
const LONG_ITEM = 0xfe;

interface Globals {
  usagePage: number;
  reportSize: number;
  reportCount: number;
  reportId: number;
}

/** Parses a report descriptor; `null` when it is malformed (an item runs past the end). */
export function summariseDescriptor(descriptor: Uint8Array): DescriptorSummary | null {
  let globals: Globals = { usagePage: 0, reportSize: 0, reportCount: 0, reportId: 0 };
  const stack: Globals[] = [];
  const bits = new Map<number, number>();
  let usage: number | null = null;
  let application: DescriptorSummary['application'] = null;
  let usesReportIds = false;
  let at = 0;
  while (at < descriptor.length) {
    const prefix = descriptor[at] ?? 0;
    if (prefix === LONG_ITEM) {
      // Long item: data size in the next byte; none are defined, skip it.
      at += 3 + (descriptor[at + 1] ?? 0);
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 0x3] ?? 0;
    if (at + 1 + size > descriptor.length) return null;
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + (descriptor[at + 1 + i] ?? 0);
    const type = (prefix >> 2) & 0x3;
    const tag = prefix >> 4;
    at += 1 + size;
    if (type === GLOBAL) {
      if (tag === USAGE_PAGE) globals.usagePage = value;
      else if (tag === REPORT_SIZE) globals.reportSize = value;
      else if (tag === REPORT_COUNT) globals.reportCount = value;
      else if (tag === REPORT_ID) {
        globals.reportId = value;
        usesReportIds = true;
      } else if (tag === PUSH) stack.push({ ...globals });
      else if (tag === POP) globals = stack.pop() ?? globals;
    } else if (type === LOCAL) {
      // A 4-byte usage carries its own page in the high half.
      if (tag === USAGE) usage = size === 4 ? value & 0xffff : value;
    } else if (type === MAIN) {
      if (tag === COLLECTION && value === APPLICATION && !application && usage !== null) {
        application = { usagePage: globals.usagePage, usage };
      }
      if (tag === INPUT) {
        bits.set(
          globals.reportId,
          (bits.get(globals.reportId) ?? 0) + globals.reportSize * globals.reportCount,
        );
      }
      usage = null;
    }
  }
  const inputBytes = new Map([...bits].map(([id, n]) => [id, Math.ceil(n / 8)] as const));
  return { application, usesReportIds, inputBytes };
}

const GENERIC_DESKTOP = 0x01;
const KEYBOARD = 0x06;

/**
 * The card reader decoder a descriptor calls for, when it says: a keyboard application is keyboard
 * emulation; an input report of 337 bytes is MagTek's SureSwipe layout and one of 887 or more its
 * MagneSafe layout (both read by the MagTek decoder). Anything else leaves the choice to the vendor
 * ID and the user (`undefined`).
 */
export function cardFormatFromDescriptor(summary: DescriptorSummary | null): CardReaderFormat | undefined {
  if (!summary) return undefined;
  const app = summary.application;
  if (app?.usagePage === GENERIC_DESKTOP && app.usage === KEYBOARD) return 'keyboard';
  for (const bytes of summary.inputBytes.values()) {
    if (bytes === MAGTEK_REPORT_LENGTH || bytes >= MAGNESAFE_REPORT_LENGTH) return 'magtek';
  }
  return undefined;
}
